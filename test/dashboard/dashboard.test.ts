import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import { manifestSize } from '@fedfuse/protocol';
import type { RunningCoordinator } from '../../apps/coordinator/src/coordinator.ts';
import { startCoordinator } from '../../apps/coordinator/src/coordinator.ts';
import { loadSettings } from '../../apps/coordinator/src/env.ts';
import { tinyModel, waitFor } from '../../apps/coordinator/src/testing/harness.ts';
import { ensureDashboardBuilt } from '../../apps/dashboard/build.ts';
import type { HeadlessChromium, Page } from '../../apps/dashboard/testing/browser.ts';
import { launchChromium } from '../../apps/dashboard/testing/browser.ts';
import { attributesOf, inkOf, installProbes, seenAt, watchFor } from './page-probes.ts';
import { ReportingSite } from './reporting-site.ts';

const OPERATOR_TOKEN = 'dashboard-test-operator-token-0123';
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const MAX_DELAY_MS = 1_000;

let dataDir: string;
let dist: string;
let coordinator: RunningCoordinator;
let chromium: HeadlessChromium;
let page: Page;
const sites: ReportingSite[] = [];
const pageErrors: string[] = [];
const delays: { event: string; ms: number }[] = [];

function settings(port: number) {
  return loadSettings(
    { dataDir, port: String(port), tickMs: '100', operatorToken: OPERATOR_TOKEN, dashboardDir: dist },
    {},
  );
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${coordinator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The newest audit entry for `action` (and `subject`), as the coordinator recorded it. */
async function audited(action: string, subject?: string): Promise<AuditEntry> {
  return waitFor(async () => {
    const entries = await api<AuditEntry[]>('GET', `/api/audit?action=${action}&limit=50`);
    return entries.find((e) => e.action === action && (subject === undefined || e.subject === subject));
  });
}

/** Records how long after `recordedAt` (coordinator clock) the page painted the watched element. */
async function measure(event: string, name: string, recordedAt: number): Promise<void> {
  const ms = (await seenAt(page, name)) - recordedAt;
  delays.push({ event, ms: Math.round(ms) });
}

async function screenshot(name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(IMAGES, name), fullPage: true });
}

async function open(hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

beforeAll(async () => {
  dist = await ensureDashboardBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-dashboard-test-'));
  coordinator = await startCoordinator(settings(0), { logger: false });
  chromium = await launchChromium({ viewport: { width: 1366, height: 768 } });
  page = await chromium.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // While the coordinator restarts, Chromium logs the refused websocket; that is the point of the check.
    if (message.type() === 'error' && !message.text().includes('WebSocket connection'))
      pageErrors.push(`console: ${message.text()}`);
  });
  await installProbes(page);
  mkdirSync(IMAGES, { recursive: true });
}, 180_000);

afterAll(async () => {
  sites.forEach((s) => s.close());
  await chromium?.close();
  await coordinator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(): Promise<void> {
  await page.goto(coordinator.url);
  await page.fill('input[name=token]', 'not-the-operator-token');
  await page.click('button[type=submit]');
  await page.getByText('The coordinator did not accept this token.').waitFor();
  // Chromium logs the refused request; that one is expected, anything else is not.
  expect(pageErrors.splice(0)).toEqual([expect.stringContaining('401 (Unauthorized)')]);
  await page.fill('input[name=token]', OPERATOR_TOKEN);
  await page.click('button[type=submit]');
  await page.locator('[data-connection=live]').waitFor();
}

/** Creates an enrollment token in the UI and returns it as the page shows it. */
async function createTokenInUi(label: string): Promise<{ token: string; expiry: string }> {
  await page.fill('input[name=label]', label);
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.locator('[data-new-token]');
  await shown.getByText(`Token for “${label}”`).waitFor();
  return {
    token: await page.locator('[data-enrollment-token]').inputValue(),
    expiry: (await shown.textContent()) ?? '',
  };
}

async function connectedSite(name: string): Promise<ReportingSite> {
  const site = new ReportingSite(coordinator.url, name);
  sites.push(site);
  await site.connect();
  return site;
}

async function joinFederation(site: ReportingSite, backend: string): Promise<void> {
  expect((await site.handshake()).ok).toBe(true);
  const report = await site.report({
    softwareVersion: '0.1.0',
    backend,
    combinations: { 'ehr.imaging.genomics': 41, 'ehr.imaging': 17, ehr: 9 },
    trainPatients: 54,
    testPatients: 13,
  });
  expect(report.ok).toBe(true);
  site.autoTrain = { delta: (g) => g.map(() => 0.01), numExamples: 54 };
}

describe('operator dashboard in headless Chromium', () => {
  it('signs in, enrolls and approves a site, shows two rounds live, suspends a site', async () => {
    await signIn();

    // Sites: a token made in the UI enrolls a real site, which waits for approval there.
    await open('#/sites');
    const { token, expiry } = await createTokenInUi('Hospital A');
    expect(token.length).toBeGreaterThan(20);
    expect(expiry).toMatch(/Expires \d{4}-\d\d-\d\d/);
    const a = await connectedSite('Hospital A');
    await watchFor(page, 'pending', '[data-pending-site="Hospital A"]');
    const enrolled = await a.enroll(token);
    expect(enrolled).toMatchObject({ ok: true, data: { status: 'pending' } });
    await measure('site enrolled → pending list', 'pending', (await audited('site.enrolled')).at);
    expect((await a.handshake()).ok).toBe(false); // pending sites are refused until approved

    await watchFor(page, 'approved', 'tr[data-site="Hospital A"][data-status=approved]');
    await page.locator('[data-pending-site="Hospital A"]').getByRole('button', { name: 'Approve' }).click();
    await measure('site approved → sites table', 'approved', (await audited('site.approved')).at);
    await joinFederation(a, 'wasm');

    const second = await api<{ token: string }>('POST', '/api/tokens', {
      label: 'Hospital B',
      autoApprove: true,
    });
    const b = await connectedSite('Hospital B');
    expect((await b.enroll(second.token)).ok).toBe(true);
    await joinFederation(b, 'tensorflow');
    await page.locator('tr[data-site="Hospital B"]').getByText('tensorflow').waitFor();

    // Runs: create the run with the form, start it, and watch both rounds arrive.
    await open('#/runs');
    await page.getByRole('button', { name: 'New run' }).click();
    await page.fill('input[name=name]', 'Dashboard acceptance run');
    await page.fill('input[name=tasks]', 'cancer, cardiac');
    const { tasks: _tasks, ...spec } = tinyModel;
    await page.fill('textarea[name=modelJson]', JSON.stringify(spec));
    // The coordinator's refusal is shown as it gave it, and nothing is created.
    await page.fill('input[name=rounds]', '0');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page
      .locator('.run-form [role=alert]')
      .getByText(/400 invalid_payload: rounds: /)
      .waitFor();
    expect(pageErrors.splice(0)).toEqual([expect.stringContaining('400 (Bad Request)')]);
    await page.fill('input[name=rounds]', '2');
    await page.fill('input[name=minClients]', '2');
    await page.fill('input[name=roundTimeoutSeconds]', '60');
    await page.fill('input[name=epochs]', '1');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.locator('[data-run-detail]').waitFor();
    const runId = (await page.locator('[data-run-detail]').getAttribute('data-run-detail'))!;

    await watchFor(page, 'round-1', '[data-chart="AUC per round"][data-points="2"]');
    await watchFor(page, 'round-2', '[data-chart="AUC per round"][data-points="4"]');
    await watchFor(page, 'completed', '.run-detail .page-title [data-value=completed]');
    await page.getByRole('button', { name: 'Start' }).click();
    const rounds = await waitFor(async () => {
      const list = await api<{ number: number; phase: string; finishedAt: number }[]>(
        'GET',
        `/api/runs/${runId}/rounds`,
      );
      return list.filter((r) => r.phase === 'done').length === 2 ? list : undefined;
    }, 60_000);
    await measure('round 1 evaluated → AUC chart', 'round-1', rounds.find((r) => r.number === 1)!.finishedAt);
    await measure('round 2 evaluated → AUC chart', 'round-2', rounds.find((r) => r.number === 2)!.finishedAt);
    await measure('run completed → run state', 'completed', (await audited('run.completed', runId)).at);

    // Charts drew their points: the data attribute counts them, and the canvas holds the series colour.
    await page.locator('[data-chart="F1 per round"][data-points="4"]').waitFor();
    expect(await inkOf(page, '[data-chart="AUC per round"] canvas', '#2563eb')).toBeGreaterThan(50);
    expect(await inkOf(page, '[data-chart="F1 per round"] canvas', '#ea580c')).toBeGreaterThan(50);
    expect(await page.locator('[data-chart=attention] [data-modality]').count()).toBe(6);
    expect(await page.locator('[data-ablation] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-timeline-round][data-phase=done]').count()).toBe(2);
    await expect.poll(() => page.locator('[data-checkpoint]').count()).toBe(2);

    // Checkpoint downloads go through the bearer token and a blob URL.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-checkpoint="2"] [data-download="model.json"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('dashboard-acceptance-run-round-2-model.json');
    const model = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      weightsManifest: unknown[];
    };
    expect(model.weightsManifest).toHaveLength(1);
    await screenshot('dashboard-run.png');
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.screenshot({ path: join(IMAGES, 'dashboard-run-wide.png') });
    await page.setViewportSize({ width: 1366, height: 768 });

    // Overview: health, the run and the latest metrics per task.
    await open('#/');
    await page.locator('[data-latest-metrics] tbody tr').nth(1).waitFor();
    expect(await page.locator('[data-stat=connected] .stat-value').textContent()).toBe('2');
    expect(await page.locator('[data-current-run]').textContent()).toContain('Dashboard acceptance run');
    await screenshot('dashboard-overview.png');

    // Sites after the run: a stale update is rejected and shown with its reason; B is suspended in the UI.
    await open('#/sites');
    await page.locator('tr[data-site="Hospital A"] [data-rejected="0"]').waitFor();
    await watchFor(page, 'rejected', 'tr[data-site="Hospital A"] [data-rejected="1"]');
    const roundOne = a.received[0]!;
    const delta = new Float32Array(manifestSize(roundOne.model.manifest.tensors));
    const stale = await a.submit(roundOne, { delta, numExamples: 54 });
    expect(stale).toMatchObject({ ok: false, error: { code: 'wrong_round' } });
    await measure('update rejected → sites table', 'rejected', (await audited('round.update_rejected')).at);
    await page
      .locator('tr[data-site="Hospital A"]')
      .getByRole('button', { name: /Hospital A/ })
      .click();
    const details = page.locator('[data-site-details="Hospital A"]');
    await details.getByText('EHR + imaging + genomics').waitFor();
    await details.locator('[data-rejection=wrong_round]').waitFor();
    expect(await page.locator('tr[data-site="Hospital A"] td').nth(6).textContent()).toBe('2'); // rounds joined

    const rowB = page.locator('tr[data-site="Hospital B"]');
    await rowB.getByRole('button', { name: 'Suspend' }).click();
    await watchFor(page, 'suspended', 'tr[data-site="Hospital B"][data-status=suspended]');
    await page.locator('dialog[open] [data-confirm]').click();
    const bId = b.siteId!;
    await measure('site suspended → sites table', 'suspended', (await audited('site.suspended', bId)).at);
    await waitFor(() => !b.socket!.connected);
    await b.connect();
    const refused = await b.handshake();
    expect(refused).toMatchObject({ ok: false, error: { code: 'suspended' } });
    await screenshot('dashboard-sites.png');

    // Audit log: live entries, filters and paging.
    await open('#/audit');
    await page.locator('[data-audit-table] tbody tr').first().waitFor();
    for (let i = 0; i < 12; i++) await api('POST', '/api/tokens', { label: `Spare token ${i}` });
    await watchFor(page, 'audit-live', {
      selector: '[data-audit-table] tr[data-action="token.created"]',
      text: 'Live token',
    });
    const live = await api<{ id: string }>('POST', '/api/tokens', { label: 'Live token' });
    await measure('token created → audit log', 'audit-live', (await audited('token.created', live.id)).at);
    await page.locator(`[data-audit-table] tr:has-text("Live token")`).waitFor();
    await screenshot('dashboard-audit.png');

    await page.selectOption('select[name=pageSize]', '25');
    await expect.poll(() => page.locator('[data-audit-table] tbody tr').count()).toBe(25);
    const firstIds = await attributesOf(page, '[data-audit-table] tbody tr', 'data-audit-id');
    await page.getByRole('button', { name: 'Older ›' }).click();
    await page.locator('[data-audit-page="2"]').waitFor();
    await expect
      .poll(async () => page.locator('[data-audit-table] tbody tr').first().getAttribute('data-audit-id'))
      .not.toBe(firstIds[0]);
    const secondIds = await attributesOf(page, '[data-audit-table] tbody tr', 'data-audit-id');
    const total = (await api<AuditEntry[]>('GET', '/api/audit?limit=500')).length;
    expect(firstIds).toHaveLength(25);
    expect(secondIds.filter((id) => firstIds.includes(id))).toEqual([]);
    expect(firstIds.length + secondIds.length).toBe(Math.min(total, 50));

    await page.getByRole('button', { name: '⟪ Newest' }).click();
    await page.selectOption('select[name=actorKind]', 'operator');
    await page.fill('input[name=action]', 'site.');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(async () => attributesOf(page, '[data-audit-table] tbody tr', 'data-action'))
      .toEqual(['site.suspended', 'site.approved']);

    // The live connection shows a restart and comes back by itself.
    const port = coordinator.port;
    await coordinator.close();
    await page.locator('[data-connection=reconnecting]').waitFor();
    coordinator = await startCoordinator(settings(port), { logger: false });
    await page.locator('[data-connection=live]').waitFor({ timeout: 15_000 });

    console.log(
      `dashboard event-to-screen delays (coordinator record → painted in Chromium):\n${delays
        .map((d) => `  ${d.event.padEnd(36)} ${String(d.ms).padStart(5)} ms`)
        .join('\n')}`,
    );
    for (const d of delays) expect(d.ms, d.event).toBeLessThan(MAX_DELAY_MS);
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
