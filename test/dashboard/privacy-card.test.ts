import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '@fedfuse/protocol';
import { tinyModel, waitFor } from '@fedfuse/coordinator/testing/harness';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { chromiumAvailable, type Page } from '@fedfuse/dashboard/testing/browser';
import { DashboardHarness, OPERATOR_TOKEN } from './dashboard-harness.ts';

let h: DashboardHarness;
let page: Page;
const sites: TestSite[] = [];
const browser = chromiumAvailable();

beforeAll(async () => {
  if (!browser) return;
  h = await DashboardHarness.start({ screenshots: mkdtempSync(join(tmpdir(), 'fedfuse-screenshots-')) });
  page = h.page;
}, 180_000);

afterAll(async () => {
  sites.forEach((s) => s.close());
  await h?.close();
});

describe.skipIf(!browser)('the run page of a differentially private run, in headless Chromium', () => {
  it('shows ε, δ and the mechanism, and each site with its rounds and ε', async () => {
    for (const name of ['Hospital P', 'Hospital Q']) {
      const site = new TestSite(h.coordinator.url, name);
      sites.push(site);
      const token = await h.api<{ token: string }>('POST', '/api/tokens', { label: name, autoApprove: true });
      expect((await site.enroll(token.token)).ok).toBe(true);
      expect((await site.handshake()).ok).toBe(true);
      site.autoTrain = {
        delta: (g) => new Float32Array(g.length).fill(0.5 / Math.sqrt(g.length)),
        numExamples: 10,
        privacy: { clipped: true },
      };
    }
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'DP run',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
      privacy: { dp: { clip: 0.5, noiseMultiplier: 1.5, delta: 1e-5 } },
    });
    await h.api('POST', `/api/runs/${run.runId}/start`);
    const detail = await waitFor(async () => {
      const got = await h.api<RunDetail>('GET', `/api/runs/${run.runId}`);
      return got.state === 'completed' ? got : undefined;
    }, 60_000);

    await page.goto(h.coordinator.url);
    await page.fill('input[name=token]', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.locator('[data-connection=live]').waitFor();
    await h.open(`#/runs/${run.runId}`);
    await page.locator('[data-privacy-summary]').waitFor();
    expect(await page.locator('[data-privacy-epsilon]').textContent()).toBe(
      detail.privacy.epsilon!.toFixed(3),
    );
    expect(await page.locator('[data-privacy-delta]').textContent()).toBe('1.00e-5');
    expect(await page.locator('[data-privacy-mechanism]').textContent()).toBe('dp-fedavg-gaussian');
    expect(await page.locator('[data-secure-aggregation]').getAttribute('data-secure-aggregation')).toBe(
      'off',
    );
    const rows = page.locator('[data-privacy-sites] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('[data-privacy-site="Hospital P"] td').allTextContents()).toEqual([
      'Hospital P',
      '1',
      detail.privacy.sites[0]!.epsilon!.toFixed(3),
    ]);
    expect(h.pageErrors).toEqual([]);
  }, 120_000);

  it("shows a record-level DP-SGD run's mechanism and each site's per-patient ε, δ and epochs", async () => {
    for (const name of ['Hospital R', 'Hospital S']) {
      const site = new TestSite(h.coordinator.url, name);
      sites.push(site);
      const token = await h.api<{ token: string }>('POST', '/api/tokens', { label: name, autoApprove: true });
      expect((await site.enroll(token.token)).ok).toBe(true);
      expect((await site.handshake()).ok).toBe(true);
    }
    // Every approved site is selected: each reports its own ε (what its ledger would give).
    sites.forEach((site, i) => {
      site.autoTrain = {
        delta: (g) => new Float32Array(g.length).fill(1e-3),
        numExamples: 10,
        recordLevel: { epsilon: 1.25 + i, delta: 1e-5, epochs: 2 },
      };
    });
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'Record-level run',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
      privacy: { recordLevel: { clip: 1, noiseMultiplier: 1.1 } },
    });
    await h.api('POST', `/api/runs/${run.runId}/start`);
    await waitFor(async () => {
      const got = await h.api<RunDetail>('GET', `/api/runs/${run.runId}`);
      return got.state === 'completed' ? got : undefined;
    }, 60_000);

    await h.open(`#/runs/${run.runId}`);
    await page.locator('[data-privacy-summary]').waitFor();
    expect(await page.locator('[data-privacy-mechanism]').textContent()).toBe('dp-sgd-gaussian');
    expect(await page.locator('[data-privacy-epsilon]').count()).toBe(0);
    expect(await page.locator('[data-privacy-summary]').textContent()).toContain('per-patient clip 1, z 1.1');
    const index = sites.findIndex((s) => s.name === 'Hospital R');
    expect(await page.locator('[data-privacy-site="Hospital R"] td').allTextContents()).toEqual([
      'Hospital R',
      `${(1.25 + index).toFixed(3)} (1.00e-5, 2)`,
    ]);
    expect(h.pageErrors).toEqual([]);
  }, 120_000);
});
