import { describe, expect, it } from 'vitest';

import {
  CheckpointModelJson,
  checkpointFileName,
  checkpointFiles,
  readCheckpointWeights,
} from './checkpoint-files.ts';
import { ModelSpec } from './model-spec.ts';
import { sampleManifest, sampleModelSpec } from './test-samples.ts';

const spec = ModelSpec.parse(sampleModelSpec);

/** Round 2 of run-1 with `values` in the sample layout, its weights named `weights.bin`. */
function filesFor(values: Float32Array) {
  return checkpointFiles({
    weights: { manifest: sampleManifest, values },
    modelSpec: spec,
    runId: 'run-1',
    round: 2,
    weightsFile: 'weights.bin',
  });
}

describe('checkpoint files (model.json + weights.bin)', () => {
  it('round-trip bit-exactly, as little-endian float32 named by a manifest that its schema accepts', async () => {
    const values = new Float32Array([1.5, -0, Number.NaN, 3e-45, -2, 7, 8, 9, 10, 11]);
    const { modelJson, weightsBin } = await filesFor(values);
    expect(CheckpointModelJson.parse(JSON.parse(JSON.stringify(modelJson)))).toEqual(modelJson);
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    expect([...weightsBin.subarray(0, 4)]).toEqual([0x00, 0x00, 0xc0, 0x3f]); // 1.5 LE
    const read = await readCheckpointWeights(modelJson, weightsBin);
    if (!read.ok) throw new Error(read.error.message);
    expect(read.data.manifest).toEqual(sampleManifest);
    expect(new Uint8Array(read.data.values.buffer)).toEqual(new Uint8Array(values.buffer));
  });

  it('refuses weights of the wrong size or with another hash, saying which', async () => {
    const values = new Float32Array(10).fill(1);
    const { modelJson, weightsBin } = await filesFor(values);
    const short = await readCheckpointWeights(modelJson, weightsBin.subarray(4));
    expect(short.ok || short.error).toEqual({
      code: 'invalid_payload',
      message: 'weights.bin holds 36 bytes; model.json describes 10 float32 values (40 bytes)',
    });
    const other = weightsBin.slice();
    other[0]! ^= 1;
    expect(await readCheckpointWeights(modelJson, other)).toMatchObject({
      ok: false,
      error: { code: 'hash_mismatch' },
    });
  });

  it('names files so that any file system keeps them, and the pair sorts together', () => {
    expect(checkpointFileName('Nightly run: ICU/Cardiac', 3, 'weights.bin')).toBe(
      'nightly-run-icu-cardiac-round-3-weights.bin',
    );
    expect(checkpointFileName('---', 1, 'model.json')).toBe('run-round-1-model.json');
  });
});
