import { FlEvent, type FitIns, type FitRes, type SiteReport } from '@fedfuse/protocol';
import { expect, vi } from 'vitest';

import type { SiteDaemon } from '../daemon/site-daemon.ts';
import { readClientConfig, writeClientConfig, type PrivacyPolicy } from '../store/client-config.ts';
import { sitePaths } from '../store/site-paths.ts';
import { useDaemonSite, type DaemonSite } from './daemon-site.ts';

/** What a test reads of the fresh site each of its cases gets. */
export interface PrivacyDaemonSite extends Pick<DaemonSite, 'env' | 'memory' | 'model'> {
  /** Write `policy` into client.yaml, start the daemon and wait for its data report (stopped after the case). */
  start(policy?: PrivacyPolicy): Promise<{ daemon: SiteDaemon; report: SiteReport }>;
  /** Start the round, wait for the submission and open its sealed delta as the coordinator would. */
  trainRound(ins: FitIns): Promise<{ res: FitRes; delta: Float32Array }>;
}

/** Registers the hooks of a daemon test under a privacy policy ({@link useDaemonSite}'s, plus client.yaml). */
export function usePrivacyDaemonSite(): PrivacyDaemonSite {
  const site = useDaemonSite();
  return {
    get env() {
      return site.env;
    },
    get memory() {
      return site.memory;
    },
    get model() {
      return site.model;
    },
    async start(policy: PrivacyPolicy = {}) {
      const path = sitePaths(site.env.dir).clientConfig;
      await writeClientConfig(path, { ...(await readClientConfig(path)), privacy: policy });
      return site.start();
    },
    async trainRound(ins: FitIns) {
      const { coordinator } = site.env;
      // The previous round's job ends just after its upload: the site answers busy until then.
      await vi.waitFor(
        async () => expect(await coordinator.emitWithAck(FlEvent.roundStart, ins)).toEqual([{ ok: true }]),
        { timeout: 30_000, interval: 50 },
      );
      const submitted = await coordinator.next(FlEvent.roundSubmit);
      const { res, delta } = await site.openSubmitted(submitted.payload, ins.roundId);
      return { res, delta: delta.values };
    },
  };
}
