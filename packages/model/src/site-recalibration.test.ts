import { describe, expect, it } from 'vitest';
import type { ModelBatch } from './batch.ts';
import { evaluateModel } from './evaluate.ts';
import { rocAuc } from './metrics.ts';
import { createRng, normal } from './rng.ts';
import { fitInterceptOffsets, recalibrationRows, siteIntercepts } from './site-recalibration.ts';
import { anyBatch, tinyModelsOnWasm } from './testing/any-batch.ts';

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** Labels drawn from logistic(score + shift): the intercept to recover is `shift`. */
function shiftedRows(o: { n: number; shift: number; seed: number }): { logits: number[]; labels: number[] } {
  const random = createRng(o.seed);
  const logits = Array.from({ length: o.n }, () => normal(random));
  const labels = logits.map((z) => (random() < logistic(z + o.shift) ? 1 : 0));
  return { logits, labels };
}

describe('fitInterceptOffsets', () => {
  it('recovers the base-rate shift of a site whose scores are otherwise calibrated', () => {
    for (const shift of [-1.5, 0, 1]) {
      const { logits, labels } = shiftedRows({ n: 4000, shift, seed: 7 });
      const [b] = fitInterceptOffsets({ logits, labels, tasks: 1 });
      expect(b).toBeCloseTo(shift, 0);
      expect(Math.abs(b! - shift)).toBeLessThan(0.15);
    }
  });

  it('keeps a site with a handful of labels near 0 (the prior), and every task separately', () => {
    // Two tasks: the first all positive on 3 rows (unbounded without the prior), the second unlabelled.
    const offsets = fitInterceptOffsets({
      logits: [0, 0, 0, 0, 0, 0],
      labels: [1, Number.NaN, 1, Number.NaN, 1, Number.NaN],
      tasks: 2,
    });
    expect(offsets[0]).toBeGreaterThan(0.5);
    expect(offsets[0]).toBeLessThan(2);
    expect(offsets[1]).toBe(0);
  });

  it('refuses a non-finite logit or a label that is not 0, 1 or missing, naming the row', () => {
    expect(() => fitInterceptOffsets({ logits: [0, Number.NaN], labels: [1, 0], tasks: 1 })).toThrow(
      /row 1 has a non-finite logit/,
    );
    expect(() => fitInterceptOffsets({ logits: [0, 1], labels: [1, 2], tasks: 1 })).toThrow(
      /row 1 has label 2/,
    );
    expect(() => fitInterceptOffsets({ logits: [0, 1, 2], labels: [1, 0], tasks: 1 })).toThrow(
      /do not form rows/,
    );
  });
});

describe('recalibrationRows', () => {
  it('takes every row of a small split and an even stride of a large one', () => {
    expect([...recalibrationRows(3, 8)]).toEqual([0, 1, 2]);
    const rows = recalibrationRows(1000, 4);
    expect([...rows]).toEqual([0, 250, 500, 750]);
  });
});

describe('evaluateModel with site intercepts', () => {
  const tinyModel = tinyModelsOnWasm();

  /** Two sites' batches whose labels differ only by base rate: site B's are all flipped to 1 more often. */
  function twoSites(model: ReturnType<typeof tinyModel>): { a: ModelBatch; b: ModelBatch } {
    const a = anyBatch(model.config, { n: 120, seed: 3 });
    const b = anyBatch(model.config, { n: 120, seed: 4 });
    const random = createRng(5);
    b.labels = b.labels.map((y) => (Number.isNaN(y) || y === 1 ? y : random() < 0.6 ? 1 : 0));
    return { a, b };
  }

  it('leaves the ranking within a site unchanged and moves the site towards its own base rate', () => {
    const model = tinyModel({ tasks: ['t1', 't2'] });
    const { b } = twoSites(model);
    const plain = evaluateModel(model, b);
    const recalibrated = evaluateModel(model, b, { intercepts: siteIntercepts(model, b, { hides: [[]] }) });
    for (const task of ['t1', 't2']) {
      expect(recalibrated.tasks[task]!.auc).toBeCloseTo(plain.tasks[task]!.auc, 6);
    }
    const meanOf = (e: typeof plain, t: number) =>
      e.predictions.filter((_, i) => i % 2 === t).reduce((s, p) => s + p, 0) / b.n;
    const rate = (t: number) => {
      const ys = b.labels.filter((y, i) => i % 2 === t && !Number.isNaN(y));
      return ys.reduce((s, y) => s + y, 0) / ys.length;
    };
    for (const t of [0, 1]) {
      expect(Math.abs(meanOf(recalibrated, t) - rate(t))).toBeLessThan(Math.abs(meanOf(plain, t) - rate(t)));
      expect(Math.abs(meanOf(recalibrated, t) - rate(t))).toBeLessThan(0.05);
    }
  });

  it('applies per-row offsets, so pooling two sites ranks the high-prevalence site higher', () => {
    const model = tinyModel({ tasks: ['t1'] });
    const { a, b } = twoSites(model);
    const offA = siteIntercepts(model, a, { hides: [[]] }).offsetsFor([]);
    const offB = siteIntercepts(model, b, { hides: [[]] }).offsetsFor([]);
    expect(offB[0]!).toBeGreaterThan(offA[0]! + 0.5);
    const pooled: ModelBatch = {
      n: a.n + b.n,
      ehr: Float32Array.of(...a.ehr, ...b.ehr),
      image: Float32Array.of(...a.image, ...b.image),
      genomics: Float32Array.of(...a.genomics, ...b.genomics),
      present: Uint8Array.of(...a.present, ...b.present),
      labels: Float32Array.of(...a.labels, ...b.labels),
    };
    const offsets = Float32Array.from({ length: pooled.n }, (_, r) => (r < a.n ? offA[0]! : offB[0]!));
    const plain = evaluateModel(model, pooled);
    const recalibrated = evaluateModel(model, pooled, { logitOffsets: offsets });
    // The same scores by hand: sigmoid(logit + the row's site offset).
    const logit = (p: number) => Math.log(p / (1 - p));
    recalibrated.predictions.forEach((p, r) =>
      expect(p).toBeCloseTo(logistic(logit(plain.predictions[r]!) + offsets[r]!), 5),
    );
    expect(recalibrated.tasks.t1!.auc).toBeCloseTo(rocAuc(recalibrated.predictions, pooled.labels), 12);
    expect(recalibrated.tasks.t1!.auc).toBeGreaterThan(plain.tasks.t1!.auc);
  });

  it('refuses offsets that fit neither the tasks nor the rows, or non-finite ones, before scoring', () => {
    const model = tinyModel({ tasks: ['t1', 't2'] });
    const batch = anyBatch(model.config, { n: 5, seed: 1 });
    expect(() => evaluateModel(model, batch, { logitOffsets: [0, 0, 0] })).toThrow(
      /3 logit offsets fit neither/,
    );
    expect(() => evaluateModel(model, batch, { logitOffsets: [0, Number.NaN] })).toThrow(
      /logit offset 1 is NaN/,
    );
    const intercepts = siteIntercepts(model, batch, { hides: [[]] });
    expect(() => evaluateModel(model, batch, { logitOffsets: [0, 0], intercepts })).toThrow(/not both/);
    expect(() => evaluateModel(model, batch, { intercepts, hide: 'ehr' })).toThrow(
      /none fitted with ehr hidden/,
    );
  });

  it('fits every subset from one pass of the encoders exactly as scoring each subset alone would', () => {
    for (const fusion of ['hybrid', 'late', 'early'] as const) {
      const model = tinyModel({ tasks: ['t1', 't2'], fusion });
      const batch = anyBatch(model.config, { n: 40, seed: 9 });
      const hides = [[], ['ehr'], ['imaging'], ['genomics'], ['ehr', 'genomics']] as const;
      const shared = siteIntercepts(model, batch, { hides: hides.map((h) => [...h]), batchSize: 16 });
      for (const hide of hides) {
        const alone = evaluateModel(model, batch, { hide: [...hide] }).predictions;
        const logits = Array.from(alone, (p) => Math.log(p / (1 - p)));
        const expected = fitInterceptOffsets({ logits, labels: batch.labels, tasks: 2 });
        const got = shared.offsetsFor([...hide]);
        expect({ fusion, hide, got: [...got].map((v) => v.toFixed(4)) }).toEqual({
          fusion,
          hide,
          got: [...expected].map((v) => v.toFixed(4)),
        });
      }
    }
  });

  it('gives every subset zero intercepts when the site has no label at all (or no rows)', () => {
    const model = tinyModel({ tasks: ['t1', 't2'] });
    const unlabelled = { ...anyBatch(model.config, { n: 12, seed: 2 }) };
    unlabelled.labels = unlabelled.labels.map(() => Number.NaN);
    const empty = anyBatch(model.config, { n: 0, seed: 2 });
    for (const batch of [unlabelled, empty]) {
      const fitted = siteIntercepts(model, batch, { hides: [[], ['imaging']] });
      expect([...fitted.offsetsFor([]), ...fitted.offsetsFor(['imaging'])]).toEqual([0, 0, 0, 0]);
    }
  });
});
