import { fromBase64, openDelta } from '@fedfuse/crypto';
import { FitRes, FlEvent, SiteReport, decodeWeights } from '@fedfuse/protocol';
import type { Weights } from '@fedfuse/protocol';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

import { SiteDaemon } from '../daemon/site-daemon.ts';
import { silentLogger } from '../log/logger.ts';
import { Trainer } from '../trainer/trainer.ts';
import { FAST_TIMING } from './fast-timing.ts';
import { globalModel, type GlobalModel } from './global-model.ts';
import { memoryLog, type MemoryLog } from './memory-log.ts';
import { enrolledSite, type EnrolledSite } from './site-folder.ts';
import { tempDir } from './temp-dir.ts';
import { tinySpec } from './tiny-site.ts';

/** What a daemon test reads of the fresh enrolled site each of its cases gets. */
export interface DaemonSite {
  readonly env: EnrolledSite;
  readonly memory: MemoryLog;
  readonly model: GlobalModel;
  /** Starts a daemon on the site (stopped after the case, or by the next launch's caller). */
  launch(options?: { chunkBytes?: number }): Promise<SiteDaemon>;
  /** Offers the global model, starts a daemon and waits for its data report. */
  start(options?: { chunkBytes?: number }): Promise<{ daemon: SiteDaemon; report: SiteReport }>;
  /** What the coordinator does with a FitRes: reassemble, open against `roundId`, decode. */
  openSubmitted(payload: unknown, roundId: string): Promise<{ res: FitRes; delta: Weights; nonce: string }>;
}

/**
 * Registers the hooks of a daemon test: one wasm trainer and tiny global model for the file, a newly
 * enrolled site with its scripted coordinator for every case, every daemon and file closed afterwards.
 */
export function useDaemonSite(): DaemonSite {
  let trainer: Trainer;
  let model: GlobalModel;
  let env: EnrolledSite;
  let memory: MemoryLog;
  let cleanup: () => Promise<void>;
  const daemons: SiteDaemon[] = [];

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
    for (const daemon of daemons.splice(0)) await daemon.stop();
    await env.coordinator.close();
    await cleanup();
  });

  const launch = async (options: { chunkBytes?: number } = {}) => {
    const daemon = await SiteDaemon.start({
      dir: env.dir,
      log: memory.log,
      timing: FAST_TIMING,
      trainer,
      ...options,
    });
    daemons.push(daemon);
    return daemon;
  };
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
    launch,
    async start(options = {}) {
      env.coordinator.offer(model.transfer);
      const daemon = await launch(options);
      const report = SiteReport.parse((await env.coordinator.next(FlEvent.siteReport)).payload);
      return { daemon, report };
    },
    async openSubmitted(payload: unknown, roundId: string) {
      const res = FitRes.parse(payload);
      const bytes = await env.coordinator.deltas.get(res.delta.transfer.transferId)!.finish();
      if (!bytes.ok) throw new Error(bytes.error.message);
      const opened = openDelta({
        coordinator: env.coordinator.identity,
        siteBoxKey: fromBase64(env.coordinator.site.boxKey, 32, 'boxKey'),
        expected: { siteId: env.siteId, roundId, stage: 'fit', modelHash: model.modelHash },
        sealed: bytes.data,
      });
      if (!opened.ok) throw new Error(opened.error.message);
      const delta = decodeWeights(opened.data.payload);
      if (!delta.ok) throw new Error(delta.error.message);
      return { res, delta: delta.data, nonce: opened.data.key.nonce };
    },
  };
}
