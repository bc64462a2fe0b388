import { afterEach, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { trainLocalRound } from './train.ts';
import { getWeights, hashWeights, setWeights } from './weights.ts';

const models: TriModalModel[] = [];
function model(partial = {}): TriModalModel {
  const created = createModel({ ...smallConfig, ...partial });
  models.push(created);
  return created;
}
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

function bytes(weights: Float32Array): Uint8Array {
  return new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
}

describe('flat weights', () => {
  it('round-trip bit-exactly through a fresh model, and across the wasm and cpu backends', async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const trained = model({ seed: 3 });
    trainLocalRound(trained, separableBatch(trained.config, { n: 32, seed: 1 }), {
      epochs: 1,
      batchSize: 16,
      learningRate: 1e-2,
      seed: 1,
    });
    const { weights, manifest } = getWeights(trained);
    const onWasm = model({ seed: 4 });
    setWeights(onWasm, weights, manifest);
    expect(bytes(getWeights(onWasm).weights)).toEqual(bytes(weights));

    await initBackend({ backend: 'cpu', log: () => {} });
    const onCpu = model({ seed: 5 });
    setWeights(onCpu, weights, manifest);
    const back = getWeights(onCpu);
    expect(bytes(back.weights)).toEqual(bytes(weights));
    expect(back.manifest.sha256).toBe(manifest.sha256);
    await initBackend({ backend: 'wasm', log: () => {} });
  });

  it('describes every parameter with its name, shape, group and offset', async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const { weights, manifest } = getWeights(model());
    expect(manifest.entries[0]).toMatchObject({
      name: 'ehr.dense1.kernel',
      shape: [8, 16],
      group: 'ehr',
      offset: 0,
    });
    const last = manifest.entries.at(-1)!;
    expect(last.offset + last.length).toBe(weights.length);
    expect(manifest.sha256).toBe(hashWeights(weights));
  });

  it('refuses weights whose hash, layout or values are wrong, and changes nothing', async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const m = model();
    const { weights, manifest } = getWeights(m);
    const tampered = weights.slice();
    tampered[10] = tampered[10]! + 1;
    expect(() => setWeights(m, tampered, manifest)).toThrow(/does not match the manifest/);
    expect(() => setWeights(m, weights, getWeights(model({ fusion: 'concat' })).manifest)).toThrow(
      /layout hash mismatch/,
    );
    const withNaN = weights.slice();
    withNaN[2] = Number.NaN;
    expect(() => setWeights(m, withNaN)).toThrow(/value 2 is not finite/);
    expect(() => setWeights(m, weights.subarray(1))).toThrow(/got \d+ values/);
    expect(bytes(getWeights(m).weights)).toEqual(bytes(weights));
  });
});
