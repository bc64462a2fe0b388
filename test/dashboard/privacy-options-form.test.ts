import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, RunView } from '@fedfuse/protocol';
import { tinyModel } from '@fedfuse/coordinator/testing/harness';
import { chromiumAvailable, type Page } from '@fedfuse/dashboard/testing/browser';
import { DashboardHarness, OPERATOR_TOKEN } from './dashboard-harness.ts';

let h: DashboardHarness;
let page: Page;
const browser = chromiumAvailable();

beforeAll(async () => {
  if (!browser) return;
  h = await DashboardHarness.start({ screenshots: mkdtempSync(join(tmpdir(), 'fedfuse-screenshots-')) });
  page = h.page;
  await page.goto(h.coordinator.url);
  await page.fill('input[name=token]', OPERATOR_TOKEN);
  await page.click('button[type=submit]');
  await page.locator('[data-connection=live]').waitFor();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe.skipIf(!browser)(
  'the new-run form: secure aggregation and record-level DP, in headless Chromium',
  () => {
    it('refuses what the protocol schema refuses, without sending anything', async () => {
      await h.open('#/runs');
      await page.getByRole('button', { name: 'New run' }).click();
      await page.fill('input[name=name]', 'refused options');
      await page.fill('input[name=secAggColluders]', '1');
      await page.fill('input[name=recordClip]', '0');
      await page.fill('input[name=recordNoiseMultiplier]', '1');
      await page.getByRole('button', { name: 'Create run' }).click();
      await page.locator('label.invalid', { hasText: 'required with secure aggregation' }).waitFor();
      await page.locator('label.invalid', { hasText: 'Per-patient clip' }).waitFor();
      expect(await h.api<RunView[]>('GET', '/api/runs')).toEqual([]);
    });

    it('creates a run with them and shows them on the run page and in REST', async () => {
      await page.fill('input[name=name]', 'secure from the form');
      await page.fill('input[name=tasks]', 'cancer, cardiac');
      const { tasks: _tasks, ...spec } = tinyModel;
      await page.fill('textarea[name=modelJson]', JSON.stringify(spec));
      await page.fill('input[name=minClients]', '5');
      await page.fill('input[name=secAggDropouts]', '1');
      await page.fill('input[name=secAggColluders]', '1');
      await page.selectOption('select[name=secAggGraph]', 'sparse');
      await page.fill('input[name=recordClip]', '1.5');
      await page.fill('input[name=recordNoiseMultiplier]', '1.1');
      await page.getByRole('button', { name: 'Create run' }).click();
      await page.locator('[data-run-detail]').waitFor();
      const runId = (await page.locator('[data-run-detail]').getAttribute('data-run-detail'))!;

      const detail = await h.api<RunDetail>('GET', `/api/runs/${runId}`);
      expect(detail.config.secureAggregation).toEqual({
        toleratedDropouts: 1,
        toleratedColluders: 1,
        graph: 'sparse',
      });
      expect(detail.config.privacy.recordLevel).toEqual({ clip: 1.5, noiseMultiplier: 1.1 });
      expect(detail.privacy).toMatchObject({ secureAggregation: true, mechanism: 'dp-sgd-gaussian' });

      const secure = page.locator('[data-secure-aggregation]');
      expect(await secure.getAttribute('data-secure-aggregation')).toBe('on');
      expect(await secure.textContent()).toContain('tolerates 1 dropouts, 1 colluders; sparse graph');
      expect(await page.locator('[data-privacy-mechanism]').textContent()).toBe('dp-sgd-gaussian');
      expect(await page.locator('[data-privacy-summary]').textContent()).toContain(
        'record-level DP-SGD (per-patient clip 1.5, z 1.1)',
      );
      expect(h.pageErrors).toEqual([]);
    }, 120_000);
  },
);
