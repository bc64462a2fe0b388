import type { EvaluateIns, FitConfig, FitIns } from '@fedfuse/protocol';
import { EvaluateRes, FlEvent } from '@fedfuse/protocol';
import { dpSgdEpsilon } from '@fedfuse/model';
import { describe, expect, it } from 'vitest';

import { gatherStatus } from '../cli/status-command.ts';
import { evaluateIns, fitIns } from '../testing/global-model.ts';
import { usePrivacyDaemonSite } from '../testing/privacy-daemon.ts';

const DP_SGD = { clip: 0.5, noiseMultiplier: 1.1, delta: 1e-5 };

const site = usePrivacyDaemonSite();

function insWith(config: Partial<FitConfig>, roundNumber = 1): FitIns {
  return {
    ...fitIns({ model: site.model, coordinator: site.env.coordinator.identity, config }),
    roundNumber,
  };
}

const epsilonAfter = (trainPatients: number, epochs: number, batchSize: number) =>
  dpSgdEpsilon({ batchSize, datasetSize: trainPatients, epochs, noiseMultiplier: 1.1, delta: 1e-5 }).epsilon;

describe('a record-level DP-SGD round at the site', () => {
  it('trains with per-example clipping and noise, and reports the ε of the epochs it trained in the run', async () => {
    const { trainPatients } = (await site.start()).report;
    const plain = await site.trainRound(insWith({ epochs: 1, batchSize: 8 }));
    expect(plain.res.recordLevel).toBeUndefined();
    const first = await site.trainRound(insWith({ epochs: 1, batchSize: 8, dpSgd: DP_SGD }));

    // Same seed, same data: only DP-SGD's clipping and noise tell the two deltas apart.
    let diff = 0;
    let largest = 0;
    for (let i = 0; i < first.delta.length; i++) {
      diff += (first.delta[i]! - plain.delta[i]!) ** 2;
      largest = Math.max(largest, Math.abs(first.delta[i]!));
    }
    expect(Math.sqrt(diff)).toBeGreaterThan(1e-4);
    // Adam moves a weight by about the learning rate a step at most: ⌈n/B⌉ steps of lr 0.01.
    const steps = Math.ceil(trainPatients / 8);
    expect(largest).toBeLessThan(steps * 0.01 * 3);
    expect(first.res.recordLevel).toEqual({
      epsilon: expect.closeTo(epsilonAfter(trainPatients, 1, 8), 9) as unknown,
      delta: 1e-5,
      epochs: 1,
    });

    const second = await site.trainRound(insWith({ epochs: 2, batchSize: 8, dpSgd: DP_SGD }, 2));
    expect(second.res.recordLevel!.epochs).toBe(3);
    expect(second.res.recordLevel!.epsilon).toBeCloseTo(epsilonAfter(trainPatients, 3, 8), 9);
    const status = await gatherStatus(site.env.dir);
    expect(status.privacy.recordLevel).toEqual([
      {
        runId: second.res.runId,
        epsilon: expect.closeTo(epsilonAfter(trainPatients, 3, 8), 9) as unknown,
        delta: 1e-5,
        epochs: 3,
        maxEpsilon: null,
      },
    ]);
    expect(status.privacy.runs).toEqual([]);
  });

  it('refuses a round whose per-patient ε would pass maxEpsilon, before training and recording anything', async () => {
    await site.start({ maxEpsilon: 0.01 });
    const acks = await site.env.coordinator.emitWithAck(
      FlEvent.roundStart,
      insWith({ epochs: 1, batchSize: 8, dpSgd: DP_SGD }),
    );
    expect(acks).toEqual([
      {
        ok: false,
        error: {
          code: 'privacy_budget_exceeded',
          message: expect.stringMatching(/record-level DP-SGD .*maxEpsilon 0\.01/) as unknown,
        },
      },
    ]);
    expect(site.memory.entries().some((e) => e.msg === 'round started')).toBe(false);
    expect((await gatherStatus(site.env.dir)).privacy.recordLevel).toEqual([]);
  });

  it('refits its scoring intercepts on the validation split after DP-SGD training in the run, whatever the coordinator asks', async () => {
    await site.start();
    const dpRun = (await site.trainRound(insWith({ epochs: 1, batchSize: 8, dpSgd: DP_SGD }))).res.runId;
    const otherRun = '00000000-0000-4000-8000-000000000002';
    const histograms = async (runId: string, recalibrateOn: 'train' | 'validation') => {
      const base = evaluateIns({ model: site.model, coordinator: site.env.coordinator.identity, bins: 50 });
      const ins: EvaluateIns = { ...base, runId, config: { ...base.config, recalibrateOn } };
      expect(await site.env.coordinator.emitWithAck(FlEvent.evaluateStart, ins)).toEqual([{ ok: true }]);
      const res = EvaluateRes.parse((await site.env.coordinator.next(FlEvent.evaluateSubmit)).payload);
      return JSON.stringify(Object.values(res.tasks).map((t) => t.histogram));
    };
    // In a run without DP-SGD here the two splits give different scores, so the comparison can tell them apart.
    expect(await histograms(otherRun, 'train')).not.toBe(await histograms(otherRun, 'validation'));
    expect(await histograms(dpRun, 'train')).toBe(await histograms(dpRun, 'validation'));
    expect(await histograms(dpRun, 'train')).toBe(await histograms(otherRun, 'validation'));
  });
});
