import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { batchTensors } from './batch-tensors.ts';
import { FUSIONS } from './config.ts';
import { evaluateModalityRemoval, evaluateModel } from './evaluate.ts';
import { forward } from './forward.ts';
import type { TriModalModel } from './model.ts';
import { createModel, parameterGroups } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';

const models: TriModalModel[] = [];
function model(fusion: (typeof FUSIONS)[number] = 'hybrid'): TriModalModel {
  const created = createModel({ ...smallConfig, fusion });
  models.push(created);
  return created;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

function runForward(m: TriModalModel, batch: ReturnType<typeof separableBatch>) {
  const rows = Int32Array.from({ length: batch.n }, (_, i) => i);
  return tf.tidy(() => {
    const { inputs } = batchTensors(m.config, batch, { rows, present: batch.present });
    const out = forward(m, inputs, { training: false });
    return { logits: out.logits.dataSync().slice(), attention: out.attention?.arraySync() };
  });
}

describe('masking of absent modalities', () => {
  it('gives an absent modality an attention weight of exactly 0 for every task', () => {
    const m = model('hybrid');
    const batch = separableBatch(m.config, { n: 6, seed: 3 });
    batch.present.set([1, 0, 1], 0); // row 0 has no image
    batch.present.set([0, 1, 0], 3); // row 1 has only an image
    const { attention } = runForward(m, batch);
    for (const task of attention!.at(0)!) expect(task[1]).toBe(0);
    for (const task of attention!.at(1)!) expect([task[0], task[1], task[2]]).toEqual([0, 1, 0]);
    for (const task of attention!.at(2)!) expect(task.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  for (const fusion of FUSIONS) {
    it(`leaves the ${fusion} output unchanged whatever the absent modality's input holds`, () => {
      const m = model(fusion);
      const batch = separableBatch(m.config, { n: 4, seed: 5 });
      for (let r = 0; r < batch.n; r++) batch.present[r * 3 + 1] = 0;
      const before = runForward(m, batch).logits;
      batch.image = batch.image.map((v, i) => v * 7 + (i % 13));
      const after = runForward(m, batch).logits;
      expect(Array.from(after)).toEqual(Array.from(before));
    });
  }
});

describe('createModel', () => {
  it('lays out encoder, fusion and per-task head groups', () => {
    expect(parameterGroups(model('hybrid'))).toEqual([
      'ehr',
      'imaging',
      'genomics',
      'fusion',
      'head.cancer',
      'head.cardiac',
    ]);
    expect(parameterGroups(model('early'))).toEqual(['fusion', 'head.cancer', 'head.cardiac']);
  });

  it('starts from the same weights for the same seed', () => {
    const [a, b] = [model(), model()];
    expect(Array.from(a.variables[0]!.dataSync())).toEqual(Array.from(b.variables[0]!.dataSync()));
  });

  it('refuses a configuration it cannot build, naming the field', () => {
    expect(() => createModel({ ...smallConfig, d: 0 })).toThrow(/d must be a positive integer/);
    expect(() => createModel({ ...smallConfig, imageShape: [15, 16, 1] })).toThrow(/imageShape/);
    expect(() => createModel({ ...smallConfig, fusion: 'sum' as never })).toThrow(/fusion must be one of/);
  });
});

describe('evaluateModel', () => {
  it('reports attention per task that sums to 1 over modalities, and hides a modality on request', () => {
    const m = model('hybrid');
    const batch = separableBatch(m.config, { n: 20, seed: 9 });
    const full = evaluateModel(m, batch);
    const attention = full.tasks.cancer!.attention!;
    expect(attention.ehr + attention.imaging + attention.genomics).toBeCloseTo(1, 5);
    const hidden = evaluateModel(m, batch, { hide: 'imaging' });
    expect(hidden.tasks.cancer!.attention!.imaging).toBe(0);
    expect(hidden.predictions).not.toEqual(full.predictions);
  });

  it('evaluates the same patients with each modality hidden in turn', () => {
    const m = model('hybrid');
    const batch = separableBatch(m.config, { n: 20, seed: 4 });
    const { full, removed } = evaluateModalityRemoval(m, batch, { batchSize: 7 });
    expect(full.predictions).toEqual(evaluateModel(m, batch).predictions);
    for (const hidden of ['ehr', 'imaging', 'genomics'] as const) {
      const evaluation = removed[hidden]!;
      expect(evaluation.n).toBe(20);
      expect(evaluation.tasks.cancer!.attention![hidden]).toBe(0);
      expect(evaluation.predictions).toEqual(evaluateModel(m, batch, { hide: hidden }).predictions);
      expect(evaluation.predictions).not.toEqual(full.predictions);
    }
  });

  it('refuses a batch whose arrays do not fit the model', () => {
    const m = model();
    const batch = separableBatch(m.config, { n: 3, seed: 1 });
    expect(() => evaluateModel(m, { ...batch, ehr: batch.ehr.subarray(1) })).toThrow(
      /ehr has 23 values, expected 24/,
    );
    batch.genomics[5] = Number.NaN;
    expect(() => evaluateModel(m, batch)).toThrow(/genomics value 5 \(row 0\) is not finite/);
  });
});
