import { Identity, openDelta } from '@fedfuse/crypto';
import { LOSS_TERMS } from '@fedfuse/model';
import type { FitIns } from '@fedfuse/protocol';
import {
  ChunkReassembler,
  LOSS_TERM_NAMES,
  chunkTransfer,
  decodeWeights,
  encodeWeights,
  sha256Hex,
} from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';

import { buildFitResult } from './fit-result.ts';
import { toWireManifest } from './manifest-map.ts';

const manifest = toWireManifest([
  { name: 'ehr.kernel', shape: [2, 3] },
  { name: 'ehr.bias', shape: [3] },
]);

async function fitIns(): Promise<FitIns> {
  const blob = encodeWeights({ manifest, values: new Float32Array(9) });
  const hash = await sha256Hex(blob);
  const ref = (await chunkTransfer(blob)).ref;
  return {
    runId: crypto.randomUUID(),
    roundId: crypto.randomUUID(),
    roundNumber: 3,
    modelSpec: {} as FitIns['modelSpec'],
    model: { modelHash: hash, manifest, manifestHash: hash, weights: ref, signature: 'A'.repeat(86) + '==' },
    config: { epochs: 1, batchSize: 4, learningRate: 0.1, modalityKeepProb: 1, proximalMu: 0, seed: 1 },
    deadline: Date.now() + 60_000,
  };
}

// The model's split of its objective, as FitRes carries it (task loss apart from the regularisers).
const lossTerms = {
  task: 0.5,
  auxiliary: 0.12,
  alignment: 0.01,
  reconstruction: 0.05,
  l2: 0.02,
  proximal: 0,
};

describe(buildFitResult.name, () => {
  it('names the same loss terms as the model computes', () => {
    expect([...LOSS_TERMS]).toEqual([...LOSS_TERM_NAMES]);
  });

  it('seals and chunks a delta that the coordinator reassembles, opens and decodes bit for bit', async () => {
    const site = Identity.generate({ role: 'site', id: 'site-a' });
    const coordinator = Identity.generate({ role: 'coordinator', id: 'coord' });
    const siteId = crypto.randomUUID();
    const ins = await fitIns();
    // -0, a subnormal, extremes: a byte-exact path keeps every one of them.
    const values = Float32Array.from([0.5, -0, 1e-42, -3.25, 3.4e38, -1e-7, 7, 8, 9]);
    const delta = values.slice();
    const result = await buildFitResult({
      site,
      siteId,
      coordinatorBoxKey: coordinator.boxPublicKey,
      ins,
      training: {
        delta,
        numExamples: 12,
        groupExamples: { ehr: 10 },
        lossPerEpoch: [0.9, 0.7],
        lossTerms,
        seconds: 1.5,
      },
      chunkBytes: 16,
    });
    expect(delta.every((v) => v === 0)).toBe(true);
    const { fitRes } = result.record;
    expect(fitRes.metrics).toEqual({ loss: 0.7, trainSeconds: 1.5 });
    expect(fitRes.lossTerms).toEqual(lossTerms);
    expect(fitRes.delta.transfer.chunkCount).toBeGreaterThan(3);

    // Coordinator side: chunks → reassembler → openDelta → decodeWeights.
    const reassembler = new ChunkReassembler({ expected: fitRes.delta.transfer });
    const resent = await chunkTransfer(result.sealed, {
      transferId: fitRes.delta.transfer.transferId,
      chunkBytes: 16,
    });
    for (const chunk of resent.chunks()) expect(reassembler.push(chunk).ok).toBe(true);
    const bytes = await reassembler.finish();
    if (!bytes.ok) throw new Error(bytes.error.message);
    const opened = openDelta({
      coordinator,
      siteBoxKey: site.boxPublicKey,
      expected: { siteId, roundId: ins.roundId, stage: 'fit', modelHash: ins.model.modelHash },
      sealed: bytes.data,
    });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(Buffer.from(opened.data.key.nonce, 'hex').toString('base64')).toBe(fitRes.delta.nonce);
    const decoded = decodeWeights(opened.data.payload);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.data.manifest).toEqual(manifest);
    expect(Buffer.from(decoded.data.values.buffer)).toEqual(Buffer.from(values.buffer));
  });

  it('refuses group counts above numExamples before anything is sent', async () => {
    const site = Identity.generate({ role: 'site', id: 'site-a' });
    const coordinator = Identity.generate({ role: 'coordinator', id: 'coord' });
    const training = {
      delta: new Float32Array(9),
      numExamples: 2,
      groupExamples: { ehr: 3 },
      lossPerEpoch: [1],
      seconds: 1,
    };
    await expect(
      buildFitResult({
        site,
        siteId: crypto.randomUUID(),
        coordinatorBoxKey: coordinator.boxPublicKey,
        ins: await fitIns(),
        training,
      }),
    ).rejects.toThrow(/groupExamples.ehr/);
  });
});
