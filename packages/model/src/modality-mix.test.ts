import { describe, expect, it } from 'vitest';
import type { ModelConfig } from './config.ts';
import { FUSIONS } from './config.ts';
import { evaluateModalityRemoval, evaluateModel } from './evaluate.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { anyBatch, tinyConfig, tinyModelsOnWasm } from './testing/any-batch.ts';
import { trainLocalRound } from './train.ts';
import { layoutOf } from './weights.ts';

const MIXES: ModelConfig['modalities'][] = [['ehr'], ['ehr', 'genomics'], ['ehr', 'imaging', 'genomics']];
const tinyModel = tinyModelsOnWasm();

const groupsOf = (m: TriModalModel) => new Set(m.specs.map((s) => s.group));

describe('a model of any modality mix (wasm)', () => {
  for (const modalities of MIXES) {
    for (const fusion of FUSIONS) {
      it(`${modalities.join('+')}, ${fusion}, one task: trains on a batch with placeholders for what it lacks`, () => {
        const m = tinyModel({ fusion, modalities, tasks: ['outcome'] });
        const batch = anyBatch(m.config, { n: 12, seed: 2 });
        batch.present[4 * 3] = 0; // a patient without EHR: in an EHR-only model, without any input
        const result = trainLocalRound(m, batch, { epochs: 2, batchSize: 6, learningRate: 1e-2, seed: 1 });
        for (const loss of result.lossPerEpoch) expect(loss).toSatisfy(Number.isFinite);
        const evaluation = evaluateModel(m, batch);
        expect(evaluation.predictions).toHaveLength(12);
        expect(evaluation.tasks.outcome!.auc).toSatisfy(Number.isFinite);
        for (const absent of ['imaging', 'genomics'] as const) {
          if (modalities.includes(absent)) continue;
          expect(groupsOf(m).has(absent)).toBe(false);
          expect(m.specs.filter((s) => s.name.startsWith(`${absent}.`))).toEqual([]);
          expect(result.groupExamples[absent]).toBeUndefined();
          if (evaluation.tasks.outcome!.attention)
            expect(evaluation.tasks.outcome!.attention[absent]).toBe(0);
        }
        if (modalities.length === 1) expect(result.lossTerms.alignment).toBe(0);
        if (!modalities.includes('genomics')) expect(result.lossTerms.reconstruction).toBe(0);
      });
    }
  }

  it('has no imaging or genomics parameters in an EHR-only model, and a smaller layout', () => {
    for (const fusion of FUSIONS) {
      const ehrOnly = tinyModel({ fusion, modalities: ['ehr'] });
      const all = tinyModel({ fusion });
      const names = ehrOnly.specs.map((s) => s.name).join(' ');
      expect(names).not.toMatch(/imaging|genomics/);
      expect(layoutOf(ehrOnly).totalLength).toBeLessThan(layoutOf(all).totalLength);
      expect(layoutOf(ehrOnly).layoutHash).not.toBe(layoutOf(all).layoutHash);
    }
  });

  it('gives the same layout whatever order the modalities are listed in, and refuses bad lists', () => {
    const a = tinyModel({ modalities: ['genomics', 'ehr'] });
    const b = tinyModel({ modalities: ['ehr', 'genomics'] });
    expect(a.config.modalities).toEqual(['ehr', 'genomics']);
    expect(layoutOf(a).layoutHash).toBe(layoutOf(b).layoutHash);
    expect(() => createModel({ ...tinyConfig, modalities: [] })).toThrow(/modalities must be a non-empty/);
    expect(() => createModel({ ...tinyConfig, modalities: ['ehr', 'ehr'] })).toThrow(/distinct/);
    expect(() => createModel({ ...tinyConfig, modalities: ['ehr', 'x-ray' as 'ehr'] })).toThrow(/got x-ray/);
  });

  it('evaluates with each of its own modalities hidden, and no other', () => {
    const m = tinyModel({ modalities: ['ehr', 'genomics'] });
    const { removed } = evaluateModalityRemoval(m, anyBatch(m.config, { n: 6, seed: 4 }));
    expect(Object.keys(removed)).toEqual(['ehr', 'genomics']);
  });

  it('ignores a present flag and any input for a modality the model leaves out', () => {
    for (const fusion of FUSIONS) {
      const m = tinyModel({ fusion, modalities: ['ehr'] });
      const batch = anyBatch(m.config, { n: 6, seed: 3 });
      const placeholder = evaluateModel(m, batch).predictions;
      batch.genomics = Float32Array.from({ length: 6 * m.config.genomicsDim }, (_, i) => i);
      batch.present.fill(0).forEach((_, i) => (batch.present[i] = i % 3 === 0 ? 1 : 1 - (i % 2)));
      expect(evaluateModel(m, batch).predictions).toEqual(placeholder);
    }
  });

  it('refuses a placeholder for a modality the model has, naming the field', () => {
    const m = tinyModel({ modalities: ['ehr', 'genomics'] });
    const batch = anyBatch(m.config, { n: 4, seed: 1 });
    batch.genomics = new Float32Array(0);
    expect(() => evaluateModel(m, batch)).toThrow(/Batch: genomics has 0 values, expected 28 for n = 4/);
    batch.genomics = new Float32Array(5);
    batch.image = new Float32Array(3);
    expect(() => evaluateModel(tinyModel({ modalities: ['ehr'] }), batch)).toThrow(
      /Batch: image has 3 values, expected 256 \(or 0: the model has no such input\)/,
    );
  });
});
