import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Identity } from '@fedfuse/crypto';
import { chunkTransfer, encodeWeights, sha256Hex } from '@fedfuse/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildFitResult } from '../fl/fit-result.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { PendingStore, type PendingResult } from './pending-store.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function result(): Promise<PendingResult> {
  const manifest = { dtype: 'float32' as const, tensors: [{ name: 'w', shape: [3] }], numParams: 3 };
  const blob = encodeWeights({ manifest, values: new Float32Array(3) });
  const hash = await sha256Hex(blob);
  const site = Identity.generate({ role: 'site', id: 's' });
  const coordinator = Identity.generate({ role: 'coordinator', id: 'c' });
  return buildFitResult({
    site,
    siteId: crypto.randomUUID(),
    coordinatorBoxKey: coordinator.boxPublicKey,
    ins: {
      runId: crypto.randomUUID(),
      roundId: crypto.randomUUID(),
      roundNumber: 1,
      modelSpec: {} as never,
      model: {
        modelHash: hash,
        manifest,
        manifestHash: hash,
        weights: (await chunkTransfer(blob)).ref,
        signature: '',
      },
      config: { epochs: 1, batchSize: 1, learningRate: 1, modalityKeepProb: 1, proximalMu: 0, seed: 0 },
      deadline: 0,
    },
    training: {
      delta: Float32Array.from([1, 2, 3]),
      numExamples: 3,
      groupExamples: {},
      lossPerEpoch: [0.5],
      seconds: 0.1,
    },
  });
}

describe(PendingStore.name, () => {
  it('survives a restart of the store: a new store object loads the same result from disk', async () => {
    const saved = await result();
    await new PendingStore(dir).save(saved);

    const reopened = new PendingStore(dir);
    expect(await reopened.load()).toEqual([]);
    const found = reopened.find(saved.record.roundId, saved.record.modelHash);
    expect(found?.record).toEqual(saved.record);
    expect(Buffer.from(found!.sealed)).toEqual(Buffer.from(saved.sealed));
    expect(reopened.find(saved.record.roundId, '0'.repeat(64))).toBeUndefined();
  });

  it('removes a result from memory and disk', async () => {
    const saved = await result();
    const store = new PendingStore(dir);
    await store.save(saved);
    await store.remove(saved.record.roundId);
    expect(store.all()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('discards a tampered sealed file and a sealed file without its record', async () => {
    const saved = await result();
    await new PendingStore(dir).save(saved);
    const tampered = saved.sealed.slice();
    tampered[tampered.length - 1]! ^= 1;
    await writeFile(join(dir, `${saved.record.roundId}.sealed`), tampered);
    await writeFile(join(dir, `${crypto.randomUUID()}.sealed`), 'orphan');

    const reopened = new PendingStore(dir);
    const discarded = await reopened.load();
    expect(discarded).toEqual([
      { file: join(dir, `${saved.record.roundId}.json`), reason: 'the sealed delta does not match its hash' },
    ]);
    expect(reopened.all()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});
