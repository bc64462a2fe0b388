import { fromBase64, openDelta } from '@fedfuse/crypto';
import { FitRes, FlEvent, SiteReport, decodeWeights, type FitIns } from '@fedfuse/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';

import { SiteDaemon } from '../daemon/site-daemon.ts';
import { silentLogger } from '../log/logger.ts';
import { readClientConfig, writeClientConfig, type PrivacyPolicy } from '../store/client-config.ts';
import { sitePaths } from '../store/site-paths.ts';
import { Trainer } from '../trainer/trainer.ts';
import { FAST_TIMING } from './fast-timing.ts';
import { globalModel, type GlobalModel } from './global-model.ts';
import { memoryLog, type MemoryLog } from './memory-log.ts';
import { enrolledSite, type EnrolledSite } from './site-folder.ts';
import { tempDir } from './temp-dir.ts';
import { tinySpec } from './tiny-site.ts';

/** What a test reads of the fresh site each of its cases gets. */
export interface PrivacyDaemonSite {
  readonly env: EnrolledSite;
  readonly memory: MemoryLog;
  readonly model: GlobalModel;
  /** Write `policy` into client.yaml, start the daemon and wait for its data report (stopped after the case). */
  start(policy?: PrivacyPolicy): Promise<{ daemon: SiteDaemon; report: SiteReport }>;
  /** Start the round, wait for the submission and open its sealed delta as the coordinator would. */
  trainRound(ins: FitIns): Promise<{ res: FitRes; delta: Float32Array }>;
}

/**
 * Registers the hooks of a daemon test under a privacy policy: one wasm trainer and tiny global model for the
 * file, a newly enrolled site with its scripted coordinator for every case, everything closed afterwards.
 */
export function usePrivacyDaemonSite(): PrivacyDaemonSite {
  let trainer: Trainer;
  let model: GlobalModel;
  let env: EnrolledSite;
  let memory: MemoryLog;
  let cleanup: () => Promise<void>;
  let daemon: SiteDaemon | undefined;

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

  return {
    get env() {
      return env;
    },
    get memory() {
      return memory;
    },
    get model() {
      return model;
    },
    async start(policy: PrivacyPolicy = {}) {
      const path = sitePaths(env.dir).clientConfig;
      await writeClientConfig(path, { ...(await readClientConfig(path)), privacy: policy });
      env.coordinator.offer(model.transfer);
      daemon = await SiteDaemon.start({ dir: env.dir, log: memory.log, timing: FAST_TIMING, trainer });
      const report = SiteReport.parse((await env.coordinator.next(FlEvent.siteReport)).payload);
      return { daemon, report };
    },
    async trainRound(ins: FitIns) {
      // The previous round's job ends just after its upload: the site answers busy until then.
      await vi.waitFor(
        async () =>
          expect(await env.coordinator.emitWithAck(FlEvent.roundStart, ins)).toEqual([{ ok: true }]),
        { timeout: 30_000, interval: 50 },
      );
      const res = FitRes.parse((await env.coordinator.next(FlEvent.roundSubmit)).payload);
      const bytes = await env.coordinator.deltas.get(res.delta.transfer.transferId)!.finish();
      if (!bytes.ok) throw new Error(bytes.error.message);
      const opened = openDelta({
        coordinator: env.coordinator.identity,
        siteBoxKey: fromBase64(env.coordinator.site.boxKey, 32, 'boxKey'),
        expected: { siteId: env.siteId, roundId: ins.roundId, stage: 'fit', modelHash: model.modelHash },
        sealed: bytes.data,
      });
      if (!opened.ok) throw new Error(opened.error.message);
      const decoded = decodeWeights(opened.data.payload);
      if (!decoded.ok) throw new Error(decoded.error.message);
      return { res, delta: decoded.data.values };
    },
  };
}
