import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CancelReason } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { tinyModel } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';
import { deltaFiles } from './testing/stored-updates.ts';
import type { TestSite } from './testing/test-site.ts';

const fixture = perTestHarness();
afterEach(() => {
  vi.useRealTimers();
});

interface RoundView {
  id: string;
  number: number;
  attempt: number;
  stage: string;
}

const ROUND_TIMEOUT_S = 60;

async function startRun(h: Harness, sites: readonly TestSite[]): Promise<string> {
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'cancel',
    rounds: 1,
    minClients: sites.length,
    model: tinyModel,
    roundTimeoutSeconds: ROUND_TIMEOUT_S,
  });
  expect((await h.api('POST', `/api/runs/${run.body.runId}/start`)).status).toBe(200);
  await vi.waitFor(() => expect(sites.every((s) => s.received.length > 0)).toBe(true), { timeout: 10_000 });
  return run.body.runId;
}

/** Waits until the site was told that round `roundId` is cancelled, and returns the reason it was given. */
async function cancelledReason(site: TestSite, roundId: string): Promise<CancelReason> {
  return vi.waitFor(
    () => {
      const cancelled = site.cancellations.find((c) => c.roundId === roundId);
      if (!cancelled) throw new Error(`${site.name} has not been told round ${roundId} is cancelled`);
      return cancelled.reason;
    },
    { timeout: 10_000 },
  );
}

async function sites(h: Harness, count: number): Promise<TestSite[]> {
  const all: TestSite[] = [];
  for (let i = 0; i < count; i++) all.push(await fixture.site(h, `Hospital ${i + 1}`));
  return all;
}

describe('the sites are told the real reason a round was cancelled', () => {
  it('run_paused when the operator pauses; resume starts a fresh attempt; run_stopped when stopped', async () => {
    const h = await fixture.start();
    const [a, b] = await sites(h, 2);
    const runId = await startRun(h, [a!, b!]);
    const first = a!.received[0]!.roundId;
    expect((await h.api('POST', `/api/runs/${runId}/pause`)).status).toBe(200);
    expect(await cancelledReason(a!, first)).toBe('run_paused');
    expect(await cancelledReason(b!, first)).toBe('run_paused');

    expect((await h.api('POST', `/api/runs/${runId}/resume`)).status).toBe(200);
    // A resync may send the cancelled round's instruction again: wait for the fresh attempt's.
    await vi.waitFor(() => expect(a!.received.some((r) => r.roundId !== first)).toBe(true), {
      timeout: 10_000,
    });
    const second = a!.received.find((r) => r.roundId !== first)!.roundId;
    const rounds = await h.api<RoundView[]>('GET', `/api/runs/${runId}/rounds`);
    expect(rounds.body.map((r) => [r.number, r.attempt, r.stage])).toEqual([
      [1, 0, 'cancelled'],
      [1, 1, 'fit'],
    ]);

    expect((await h.api('POST', `/api/runs/${runId}/stop`)).status).toBe(200);
    expect(await cancelledReason(b!, second)).toBe('run_stopped');
  });

  it('pausing and resuming more often than the retry limit does not fail the run', async () => {
    const h = await fixture.start();
    const [a] = await sites(h, 1);
    const runId = await startRun(h, [a!]);
    for (let i = 1; i <= 4; i++) {
      expect((await h.api('POST', `/api/runs/${runId}/pause`)).status).toBe(200);
      expect((await h.api('POST', `/api/runs/${runId}/resume`)).status).toBe(200);
      // Distinct rounds: a resync may repeat an instruction.
      await vi.waitFor(() => expect(new Set(a!.received.map((r) => r.roundId)).size).toBe(i + 1), {
        timeout: 10_000,
      });
    }
    expect((await h.api<{ state: string }>('GET', `/api/runs/${runId}`)).body.state).toBe('running');
  });

  it('deadline when selected sites are connected but too slow', async () => {
    const h = await fixture.start();
    const [a, b] = await sites(h, 2);
    vi.useFakeTimers({ toFake: ['Date'] });
    const runId = await startRun(h, [a!, b!]);
    vi.setSystemTime(Date.now() + (ROUND_TIMEOUT_S + 1) * 1000);
    expect(await cancelledReason(a!, a!.received[0]!.roundId)).toBe('deadline');
    expect(runId).toBeTruthy();
  });

  it('too_few_sites when at the deadline the sites still connected cannot reach minClients', async () => {
    const h = await fixture.start();
    const [a, b] = await sites(h, 2);
    vi.useFakeTimers({ toFake: ['Date'] });
    await startRun(h, [a!, b!]);
    b!.close();
    // The deadline must find b gone: wait until the coordinator itself has seen the disconnect.
    await expect
      .poll(
        async () =>
          (await h.api<{ siteId: string; connected: boolean }[]>('GET', '/api/sites')).body.find(
            (s) => s.siteId === b!.siteId,
          )?.connected,
        { timeout: 10_000 },
      )
      .toBe(false);
    vi.setSystemTime(Date.now() + (ROUND_TIMEOUT_S + 1) * 1000);
    expect(await cancelledReason(a!, a!.received[0]!.roundId)).toBe('too_few_sites');
  });

  it('sites_failed when every selected site answered and too few sent an update', async () => {
    const h = await fixture.start();
    const [a, b] = await sites(h, 2);
    // Not retryable: the run fails after this round, so no retry is still talking to the sites at the end.
    for (const site of [a!, b!])
      site.failRoundStart = { code: 'training_error', message: 'out of memory', retryable: false };
    const runId = await startRun(h, [a!, b!]);
    expect(await cancelledReason(a!, a!.received[0]!.roundId)).toBe('sites_failed');
    await vi.waitFor(async () =>
      expect((await h.api<{ state: string }>('GET', `/api/runs/${runId}`)).body.state).toBe('failed'),
    );
  });

  it('error when the round cannot be aggregated (a stored update went missing)', async () => {
    const h = await fixture.start();
    const [a, b] = await sites(h, 2);
    a!.autoTrain = { delta: (g) => g.map(() => 1), numExamples: 5 };
    await startRun(h, [a!, b!]);
    const stored = await vi.waitFor(
      () => {
        const files = deltaFiles(h.dataDir);
        if (files.length !== 1) throw new Error('no stored update yet');
        return files[0]!;
      },
      { timeout: 10_000 },
    );
    rmSync(join(h.dataDir, stored));
    expect((await b!.train(b!.received[0]!, { delta: (g) => g.map(() => 2), numExamples: 5 })).ok).toBe(true);
    expect(await cancelledReason(b!, b!.received[0]!.roundId)).toBe('error');
  });
});
