import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBase64, openDelta } from '@fedfuse/crypto';
import { FitRes, FlEvent, decodeWeights } from '@fedfuse/protocol';
import type { RoundPrivacyIns } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { gatherStatus } from '../cli/status-command.ts';
import { silentLogger } from '../log/logger.ts';
import { readClientConfig, writeClientConfig, type PrivacyPolicy } from '../store/client-config.ts';
import { sitePaths } from '../store/site-paths.ts';
import { globalModel, fitIns, type GlobalModel } from '../testing/global-model.ts';
import { memoryLog, type MemoryLog } from '../testing/memory-log.ts';
import { enrolledSite, type EnrolledSite } from '../testing/site-folder.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec } from '../testing/tiny-site.ts';
import { Trainer } from '../trainer/trainer.ts';
import { SiteDaemon } from './site-daemon.ts';

const timing = {
  reconnectDelayMs: 50,
  reconnectDelayMaxMs: 200,
  handshakeBackoffMs: 50,
  handshakeBackoffMaxMs: 200,
  ackTimeoutMs: 5000,
};

/** A DP round 2 of a run whose round 1 was committed: clip 1e-3, z 1.1, q 0.5, δ 1e-5. */
const DP_ROUND: RoundPrivacyIns = {
  secureAggregation: false,
  selectedSites: 4,
  minSites: 3,
  dp: {
    clip: 1e-3,
    noiseMultiplier: 1.1,
    accountedNoiseMultiplier: 1.1,
    sampleRate: 0.5,
    delta: 1e-5,
    pastRounds: [{ round: 1, sampleRate: 0.5, noiseMultiplier: 1.1 }],
  },
};
const TWO_ROUNDS = computeEpsilon({
  steps: [{ sampleRate: 0.5, noiseMultiplier: 1.1, count: 2 }],
  delta: 1e-5,
}).epsilon;

let model: GlobalModel;
let env: EnrolledSite;
let cleanup: () => Promise<void>;
let memory: MemoryLog;
let daemon: SiteDaemon | undefined;
let trainer: Trainer;

beforeAll(async () => {
  trainer = await Trainer.start({ backend: 'wasm', log: silentLogger });
  model = await globalModel(tinySpec);
});
afterAll(() => trainer.close());
beforeEach(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  env = await enrolledSite(tmp.dir);
  memory = memoryLog();
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await env.coordinator.close();
  await cleanup();
});

async function startDaemon(policy: PrivacyPolicy = {}): Promise<SiteDaemon> {
  const path = sitePaths(env.dir).clientConfig;
  await writeClientConfig(path, { ...(await readClientConfig(path)), privacy: policy });
  env.coordinator.offer(model.transfer);
  const started = await SiteDaemon.start({ dir: env.dir, log: memory.log, timing, trainer });
  await env.coordinator.next(FlEvent.siteReport);
  return started;
}

function dpIns(privacy: RoundPrivacyIns = DP_ROUND) {
  return { ...fitIns({ model, coordinator: env.coordinator.identity }), roundNumber: 2, privacy };
}

describe('a differentially private round at the site', () => {
  it('clips the delta to the round clip before sealing it, says it did, and accounts ε itself', async () => {
    daemon = await startDaemon({ maxEpsilon: TWO_ROUNDS + 0.01 });
    const ins = dpIns();
    expect(await env.coordinator.emitWithAck(FlEvent.roundStart, ins)).toEqual([{ ok: true }]);
    const submitted = FitRes.parse((await env.coordinator.next(FlEvent.roundSubmit)).payload);
    const bytes = await env.coordinator.deltas.get(submitted.delta.transfer.transferId)!.finish();
    if (!bytes.ok) throw new Error(bytes.error.message);
    const opened = openDelta({
      coordinator: env.coordinator.identity,
      siteBoxKey: fromBase64(env.coordinator.site.boxKey, 32, 'boxKey'),
      expected: { siteId: env.siteId, roundId: ins.roundId, stage: 'fit', modelHash: model.modelHash },
      sealed: bytes.data,
    });
    if (!opened.ok) throw new Error(opened.error.message);
    const delta = decodeWeights(opened.data.payload);
    if (!delta.ok) throw new Error(delta.error.message);

    const norm = Math.sqrt(delta.data.values.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeLessThanOrEqual(1e-3 * (1 + 1e-5));
    expect(norm).toBeGreaterThan(0.99e-3);
    expect(submitted.privacy).toEqual({ clipped: true });
    const status = await gatherStatus(env.dir);
    expect(status.privacy.runs).toEqual([
      {
        runId: ins.runId,
        epsilon: expect.closeTo(TWO_ROUNDS, 9) as unknown,
        delta: 1e-5,
        rounds: 2,
        maxEpsilon: TWO_ROUNDS + 0.01,
      },
    ]);
    const ledger = JSON.parse(await readFile(join(env.dir, 'privacy.json'), 'utf8')) as { version: number };
    expect(ledger.version).toBe(1);
  });

  it.each([
    [{ maxEpsilon: TWO_ROUNDS - 0.01 }, 'privacy_budget_exceeded', /past this site's maxEpsilon/],
    [
      { requireSecureAggregation: true },
      'secure_aggregation_required',
      /its run has no secureAggregation option/,
    ],
    [{ minSites: 4 }, 'too_few_sites', /as few as 3/],
  ] as const)(
    'refuses a round its policy %j forbids with %s, and trains nothing',
    async (policy, code, message) => {
      daemon = await startDaemon(policy);
      const acks = await env.coordinator.emitWithAck(FlEvent.roundStart, dpIns());
      expect(acks).toEqual([
        { ok: false, error: { code, message: expect.stringMatching(message) as unknown } },
      ]);
      expect(memory.entries().some((e) => e.msg === 'round started')).toBe(false);
      expect((await gatherStatus(env.dir)).privacy.runs).toEqual([]);
    },
  );
});
