import type { RunDetail } from '@fedfuse/protocol';
import { expect } from 'vitest';

import type { Clock } from '../services/clock.ts';
import { enrolledSite } from './enrolled-site.ts';
import type { Harness } from './harness.ts';
import { startHarness, waitFor } from './harness.ts';
import type { TestSite } from './test-site.ts';

/** The round timeout of these runs: a dropped site's stage closes when the injected clock passes it. */
const TIMEOUT_S = 60;

/**
 * A two-round secure run of five real sites A–E on a fresh harness whose clock the test moves: E drops out
 * after sharing keys (`takePart(site, k, k === 4)`), the survivors' masked inputs are waited for, the clock is
 * moved past the masked-input deadline, and the run is waited for to end. `sites` and `onHarness` let the
 * test's afterEach close what was opened.
 */
export async function secureRunWithDropout(o: {
  sites: TestSite[];
  onHarness: (h: Harness) => void;
  takePart: (site: TestSite, k: number, dropAtMasking: boolean) => void;
  /** How many masked inputs the coordinator accepted so far. */
  maskedAccepted: () => number;
  /** The run's settings beside its name, rounds, minClients and timeout. */
  settings: Record<string, unknown>;
}): Promise<{ h: Harness; runId: string; detail: RunDetail }> {
  let now = Date.UTC(2030, 0, 1);
  const clock: Clock = { now: () => now, every: (ms, tick) => setInterval(tick, ms) };
  const h = await startHarness({ clock });
  o.onHarness(h);
  for (const name of ['A', 'B', 'C', 'D', 'E']) await enrolledSite(h, name, o.sites);
  o.sites.forEach((site, k) => o.takePart(site, k, k === 4));
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'secure',
    rounds: 2,
    minClients: 4,
    roundTimeoutSeconds: TIMEOUT_S,
    secureAggregation: { toleratedDropouts: 1 },
    ...o.settings,
  });
  expect(run.status).toBe(201);
  await h.api('POST', `/api/runs/${run.body.runId}/start`);
  // E went silent after sharing keys: masked-input closes at its deadline on the injected clock.
  await expect.poll(() => o.sites[4]!.socket?.connected, { timeout: 20_000 }).toBe(false);
  // The survivors' masked inputs (a transfer, then the submission) are in before the deadline passes.
  await expect.poll(o.maskedAccepted, { timeout: 20_000 }).toBe(4);
  now += TIMEOUT_S * 1000 + 1;
  const detail = await waitFor(async () => {
    const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
    return got.body.state === 'completed' || got.body.state === 'failed' ? got.body : undefined;
  }, 30_000);
  return { h, runId: run.body.runId, detail };
}
