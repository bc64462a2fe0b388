import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, FitIns } from '@fedfuse/protocol';
import { tinyModel, waitFor } from '@fedfuse/coordinator/testing/harness';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { chromiumAvailable, type Page } from '@fedfuse/dashboard/testing/browser';
import { DashboardHarness, OPERATOR_TOKEN } from './dashboard-harness.ts';
import { attributesOf, inkOf, watchFor } from './page-probes.ts';
import { RealSite } from './real-site.ts';

// The documentation's screenshots are refreshed on request only, so a test run leaves the tree clean.
const IMAGES =
  process.env.FEDFUSE_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/images/', import.meta.url))
    : mkdtempSync(join(tmpdir(), 'fedfuse-screenshots-'));
const MAX_DELAY_MS = 1_000;
const RUN_NAME = 'Dashboard acceptance run';

let h: DashboardHarness;
let page: Page;
let hospitalA: RealSite;
let hospitalB: RealSite;
let runId: string;
const peers: TestSite[] = [];
const browser = chromiumAvailable();
const suite = describe.skipIf(!browser);

beforeAll(async () => {
  if (!browser) return;
  h = await DashboardHarness.start({ screenshots: IMAGES });
  page = h.page;
}, 180_000);

afterAll(async () => {
  peers.forEach((p) => p.close());
  await Promise.all([hospitalA?.stop(), hospitalB?.stop()]);
  await h?.close();
});

/** Creates an enrollment token in the UI and returns it as the page shows it, with its expiry line. */
async function createTokenInUi(label: string, options: { autoApprove?: boolean } = {}) {
  await page.fill('input[name=label]', label);
  await page.getByLabel('approve automatically').setChecked(options.autoApprove ?? false);
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.locator('[data-new-token]');
  await shown.getByText(`Token for “${label}”`).waitFor();
  return {
    token: await page.locator('[data-enrollment-token]').inputValue(),
    note: await shown.textContent(),
  };
}

const rows = (selector: string) => page.locator(selector).count();

suite('operator dashboard in headless Chromium, on a real coordinator with real site daemons', () => {
  it('refuses a wrong operator token and signs in with the right one', async () => {
    await page.goto(h.coordinator.url);
    await page.fill('input[name=token]', 'not-the-operator-token');
    await page.click('button[type=submit]');
    await page.getByText('The coordinator did not accept this token.').waitFor();
    // Chromium logs the refused request; that one is expected, anything else is not.
    expect(h.pageErrors.splice(0)).toEqual([expect.stringContaining('401 (Unauthorized)')]);
    await page.fill('input[name=token]', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.locator('[data-connection=live]').waitFor();
  });

  it('enrolls a site with a token made in the UI and approves it there', async () => {
    await h.open('#/sites');
    const { token, note } = await createTokenInUi('Hospital A');
    expect(note).toMatch(/Expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in /);
    hospitalA = await RealSite.create(h.root, { name: 'Hospital A', seed: 11 });
    await watchFor(page, 'pending', '[data-pending-site="Hospital A"]');
    const { fingerprint, output } = await hospitalA.enroll(h.coordinator.url, token);
    expect(output).toContain('(status: pending)');
    await h.measure('site enrolled → pending list', 'pending', (await h.audited('site.enrolled')).at);
    // The operator compares the fingerprint the site's administrator reads out with the one shown.
    expect(await page.locator('[data-pending-site="Hospital A"] .fingerprint').textContent()).toBe(
      fingerprint,
    );
    await hospitalA.start();
    expect((await hospitalA.log.waitFor('waiting for the operator')).code).toBe('pending_approval');

    await watchFor(page, 'approved', 'tr[data-site="Hospital A"][data-status=approved]');
    await page.locator('[data-pending-site="Hospital A"]').getByRole('button', { name: 'Approve' }).click();
    await h.measure('site approved → sites table', 'approved', (await h.audited('site.approved')).at);
    await hospitalA.log.waitFor('handshake accepted');

    const second = await createTokenInUi('Hospital B', { autoApprove: true });
    hospitalB = await RealSite.create(h.root, { name: 'Hospital B', seed: 23 });
    expect((await hospitalB.enroll(h.coordinator.url, second.token)).output).toContain('(status: approved)');
    await hospitalB.start();
    await hospitalB.log.waitFor('handshake accepted');
    for (const name of ['Hospital A', 'Hospital B']) {
      await page.locator(`tr[data-site="${name}"]`).getByText('wasm').waitFor();
      await page.locator(`tr[data-site="${name}"] .online-yes`).waitFor();
    }
  }, 120_000);

  it('shows a refused run as the coordinator words it, then creates and starts one from the form', async () => {
    await h.open('#/runs');
    await page.getByRole('button', { name: 'New run' }).click();
    await page.fill('input[name=name]', RUN_NAME);
    await page.fill('input[name=tasks]', 'cancer, cardiac');
    const { tasks: _tasks, ...spec } = tinyModel;
    await page.fill('textarea[name=modelJson]', JSON.stringify(spec));
    await page.fill('input[name=minClients]', '2');
    await page.fill('input[name=roundTimeoutSeconds]', '60');
    await page.fill('input[name=rounds]', '0');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page
      .locator('.run-form [role=alert]')
      .getByText(/400 invalid_payload: rounds: /)
      .waitFor();
    expect(h.pageErrors.splice(0)).toEqual([expect.stringContaining('400 (Bad Request)')]);

    await page.fill('input[name=rounds]', '2');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.locator('[data-run-detail]').waitFor();
    runId = (await page.locator('[data-run-detail]').getAttribute('data-run-detail'))!;
    await watchFor(page, 'round-1', '[data-chart="AUC per round"][data-points="2"]');
    await watchFor(page, 'round-2', '[data-chart="AUC per round"][data-points="4"]');
    await watchFor(page, 'completed', '.run-detail .page-title [data-value=completed]');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.run-detail .page-title [data-value=running]').waitFor();
  });

  it('draws both rounds as they complete: AUC and F1 lines, attention, timeline, checkpoints', async () => {
    const rounds = await waitFor(async () => {
      const list = await h.api<{ roundId: string; number: number; stage: string; finishedAt: number }[]>(
        'GET',
        `/api/runs/${runId}/rounds`,
      );
      return list.filter((r) => r.stage === 'committed').length === 2 ? list : undefined;
    }, 150_000).catch(async (error: unknown) => {
      // Say where the run got stuck: its rounds and what the daemons logged.
      const state = await h.api('GET', `/api/runs/${runId}/rounds`);
      const tail = (site: RealSite) =>
        site.log
          .entries()
          .slice(-15)
          .map((e) => JSON.stringify(e));
      throw new Error(
        `${String(error)}\nrounds: ${JSON.stringify(state)}\nA:\n${tail(hospitalA).join('\n')}\nB:\n${tail(hospitalB).join('\n')}`,
      );
    });
    const finished = (n: number) => rounds.find((r) => r.number === n && r.stage === 'committed')!.finishedAt;
    await h.measure('round 1 evaluated → AUC chart', 'round-1', finished(1));
    await h.measure('round 2 evaluated → AUC chart', 'round-2', finished(2));
    await h.measure('run completed → run state', 'completed', (await h.audited('run.completed', runId)).at);

    // The data attribute counts the points; the canvas holds pixels of the first two series colours.
    await page.locator('[data-chart="F1 per round"][data-points="4"]').waitFor();
    // The sites' final-epoch training loss, one point per committed round, also in the timeline.
    await page.locator('[data-chart="Training loss per round"][data-points="2"]').waitFor();
    const losses = await attributesOf(
      page,
      '[data-timeline-round] [data-training-loss]',
      'data-training-loss',
    );
    expect(losses.map(Number).every((loss) => Number.isFinite(loss) && loss > 0)).toBe(true);
    expect(losses).toHaveLength(2);
    // The chart is the task loss; the penalties the objective also carries are listed apart under it.
    const breakdown = await page.locator('[data-loss-breakdown]').innerText();
    expect(breakdown).toMatch(
      /^Round 2: task loss \(BCE\) \d+\.\d{4} · .*L2 penalty \d+\.\d{4}.* · objective \d+\.\d{4}$/,
    );
    expect(await inkOf(page, '[data-chart="AUC per round"] canvas', '#2563eb')).toBeGreaterThan(50);
    expect(await inkOf(page, '[data-chart="F1 per round"] canvas', '#ea580c')).toBeGreaterThan(50);
    expect(await rows('[data-chart=attention] [data-modality]')).toBe(6); // 2 tasks × 3 modalities
    // The daemons evaluate the model with each modality hidden: 2 tasks, a full AUC and one per modality.
    expect(await rows('[data-ablation] tbody tr')).toBe(2);
    expect(await rows('[data-ablation] thead th')).toBe(5);
    expect(await rows('[data-timeline-round][data-stage=committed]')).toBe(2);
    await expect.poll(() => rows('[data-checkpoint]')).toBe(2);
    // The run's model is the round the coordinator selected on the sites' validation splits.
    const selected = await h.api<{ selectedRound: { round: number } | null }>('GET', `/api/runs/${runId}`);
    expect([1, 2]).toContain(selected.selectedRound?.round);
    await page.locator(`[data-selected-round="${selected.selectedRound!.round}"]`).waitFor();

    // Checkpoint downloads carry the bearer token and are saved through a blob URL.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-checkpoint="2"] [data-download="model.json"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('dashboard-acceptance-run-round-2-model.json');
    const model = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    // The saved model.json names the weights file as the dashboard saves it, so the pair loads together.
    expect(model.weightsManifest.map((m) => m.paths)).toEqual([
      ['dashboard-acceptance-run-round-2-weights.bin'],
    ]);
    await h.screenshot(join(IMAGES, 'dashboard-run.png'));
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.screenshot({ path: join(IMAGES, 'dashboard-run-wide.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
  }, 180_000);

  it('shows federation health, the run and the latest metrics per task on the overview', async () => {
    await h.open('#/');
    await page.locator('[data-latest-metrics] tbody tr').nth(1).waitFor();
    expect(await page.locator('[data-stat=connected] .stat-value').textContent()).toBe('2');
    expect(await page.locator('[data-current-run]').textContent()).toContain(RUN_NAME);
    expect(await page.locator('[data-rounds-completed]').textContent()).toBe('2');
    await h.screenshot(join(IMAGES, 'dashboard-overview.png'));
  });

  it('lists a run the moment the API creates it, and follows its state without a reload', async () => {
    await h.open('#/runs');
    await page.locator(`tr[data-run="${RUN_NAME}"][data-state=completed]`).waitFor();
    const name = 'Created by the API';
    await watchFor(page, 'run-listed', `tr[data-run="${name}"][data-state=scheduled]`);
    const created = await h.api<{ runId: string }>('POST', '/api/runs', {
      name,
      rounds: 3,
      minClients: 2,
      model: tinyModel,
    });
    await h.measure(
      'run created → runs list',
      'run-listed',
      (await h.audited('run.created', created.runId)).at,
    );
    expect(await page.locator(`tr[data-run="${name}"]`).textContent()).toContain('cancer, cardiac');
    await h.api('POST', `/api/runs/${created.runId}/stop`);
    await page.locator(`tr[data-run="${name}"][data-state=stopped]`).waitFor();
  });

  it('shows a rejected update with its reason, and suspends a site whose next handshake is refused', async () => {
    await h.open('#/sites');
    // A late site hands in an update for round 1 after it closed.
    const late = new TestSite(h.coordinator.url, 'Hospital C');
    peers.push(late);
    const token = await h.api<{ token: string }>('POST', '/api/tokens', {
      label: 'Hospital C',
      autoApprove: true,
    });
    expect((await late.enroll(token.token)).ok).toBe(true);
    expect((await late.handshake()).ok).toBe(true);
    await page.locator('tr[data-site="Hospital C"] [data-rejected="0"]').waitFor();
    await watchFor(page, 'rejected', 'tr[data-site="Hospital C"] [data-rejected="1"]');
    const roundOne = (
      await h.api<{ roundId: string; number: number }[]>('GET', `/api/runs/${runId}/rounds`)
    ).find((r) => r.number === 1)!;
    const manifest = { dtype: 'float32' as const, tensors: [{ name: 'w', shape: [1] }], numParams: 1 };
    const stale = { runId, roundId: roundOne.roundId, model: { manifest, modelHash: '0'.repeat(64) } };
    const refused = await late.submit(stale as unknown as FitIns, {
      delta: new Float32Array(1),
      numExamples: 1,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'wrong_round' } });
    await h.measure(
      'update rejected → sites table',
      'rejected',
      (await h.audited('round.update_rejected')).at,
    );
    // The broadcast says why, before any details are opened.
    await page.locator('tr[data-site="Hospital C"] [data-last-rejection=wrong_round]').waitFor();
    await page
      .locator('tr[data-site="Hospital C"]')
      .getByRole('button', { name: /Hospital C/ })
      .click();
    await page.locator('[data-site-details="Hospital C"] [data-rejection=wrong_round]').waitFor();

    await page.locator('tr[data-site="Hospital B"]').getByRole('button', { name: 'Suspend' }).click();
    await watchFor(page, 'suspended', 'tr[data-site="Hospital B"][data-status=suspended]');
    await page.locator('dialog[open] [data-confirm]').click();
    const siteB = await h.audited('site.suspended');
    await h.measure('site suspended → sites table', 'suspended', siteB.at);
    // The coordinator dropped B's connection; B's daemon reconnects and its handshake is refused.
    const waits = () => hospitalB.logged('waiting for the operator');
    await waitFor(() => waits().some((e) => e.code === 'suspended'));
    await page
      .locator('tr[data-site="Hospital A"]')
      .getByRole('button', { name: /Hospital A/ })
      .click();
    await page.locator('[data-site-details="Hospital A"]').getByText('EHR + imaging + genomics').waitFor();
    expect(await page.locator('tr[data-site="Hospital A"] td').nth(6).textContent()).toBe('2'); // rounds joined
    await h.screenshot(join(IMAGES, 'dashboard-sites.png'));
  }, 90_000);

  it('lists the audit log live, filtered and paged', async () => {
    await h.open('#/audit');
    await page.locator('[data-audit-table] tbody tr').first().waitFor();
    for (let i = 0; i < 12; i++) await h.api('POST', '/api/tokens', { label: `Spare token ${i}` });
    const liveRow = { selector: '[data-audit-table] tr[data-action="token.created"]', text: 'Live token' };
    await watchFor(page, 'audit-live', liveRow);
    const live = await h.api<{ id: string }>('POST', '/api/tokens', { label: 'Live token' });
    await h.measure(
      'token created → audit log',
      'audit-live',
      (await h.audited('token.created', live.id)).at,
    );
    await h.screenshot(join(IMAGES, 'dashboard-audit.png'));

    await page.selectOption('select[name=pageSize]', '25');
    await expect.poll(() => rows('[data-audit-table] tbody tr')).toBe(25);
    const firstIds = await attributesOf(page, '[data-audit-table] tbody tr', 'data-audit-id');
    await page.getByRole('button', { name: 'Older ›' }).click();
    await page.locator('[data-audit-page="2"]').waitFor();
    await expect
      .poll(() => page.locator('[data-audit-table] tbody tr').first().getAttribute('data-audit-id'))
      .not.toBe(firstIds[0]);
    const secondIds = await attributesOf(page, '[data-audit-table] tbody tr', 'data-audit-id');
    const total = (await h.api<AuditEntry[]>('GET', '/api/audit?limit=500')).length;
    expect(secondIds.filter((id) => firstIds.includes(id))).toEqual([]);
    expect(firstIds.length + secondIds.length).toBe(Math.min(total, 50));

    await page.getByRole('button', { name: '⟪ Newest' }).click();
    await page.selectOption('select[name=actorKind]', 'operator');
    await page.fill('input[name=action]', 'site.');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => attributesOf(page, '[data-audit-table] tbody tr', 'data-action'))
      .toEqual(['site.suspended', 'site.approved']);
  });

  it('shows the connection dropping when the coordinator restarts, and reconnects by itself', async () => {
    const port = await h.stopCoordinator();
    await page.locator('[data-connection=reconnecting]').waitFor();
    await h.restartCoordinator(port);
    await page.locator('[data-connection=live]').waitFor({ timeout: 15_000 });
    // At shutdown the coordinator writes its folded audit entries; the audit page refetches and Chromium logs
    // the refused load while the coordinator is down. That is the outage itself; nothing else may be logged.
    const outage = /Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET)/;
    expect(h.pageErrors.filter((error) => !outage.test(error))).toEqual([]);
  });

  it('painted every event within a second of the coordinator recording it', () => {
    console.log(
      `dashboard event-to-screen delays (coordinator record → painted in Chromium):\n${h.delays
        .map((d) => `  ${d.event.padEnd(36)} ${String(d.ms).padStart(5)} ms`)
        .join('\n')}`,
    );
    expect(h.delays).toHaveLength(9);
    for (const d of h.delays) expect(d.ms, d.event).toBeLessThan(MAX_DELAY_MS);
  });
});
