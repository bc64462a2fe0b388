import type { ModelBatch } from '@fedfuse/model';
import { describe, expect, it } from 'vitest';

import { fitBatch, presenceCombinations, remapLabels } from './fit-batch.ts';

function batch(present: number[]): ModelBatch {
  const n = present.length / 3;
  return {
    n,
    ehr: Float32Array.from({ length: n * 2 }, (_, i) => i),
    image: new Float32Array(n * 4),
    genomics: new Float32Array(0),
    present: Uint8Array.from(present),
    labels: Float32Array.from({ length: n * 2 }, (_, i) => i % 2),
  };
}

describe(fitBatch.name, () => {
  const widths = { tasks: ['a', 'b'], ehrDim: 2, genomicsDim: 0, imageSize: 4 };

  it('zero-fills a modality no row has and keeps the others as they are', () => {
    const b = batch([1, 1, 0, 1, 0, 0]);
    const fitted = fitBatch(b, {
      widths,
      spec: { tasks: ['a', 'b'], ehrDim: 2, genomicsDim: 5, imageShape: [2, 2, 1] },
    });
    expect(fitted.ehr).toBe(b.ehr);
    expect(fitted.image).toBe(b.image);
    expect(fitted.genomics).toEqual(new Float32Array(10));
  });

  it('leaves an empty placeholder for a modality the model leaves out, whatever its width', () => {
    const b = batch([1, 1, 0, 1, 1, 0]);
    const fitted = fitBatch(b, {
      widths,
      spec: { modalities: ['ehr'], tasks: ['b'], ehrDim: 2, genomicsDim: 5, imageShape: [4, 4, 1] },
    });
    expect(fitted.ehr).toBe(b.ehr);
    expect(fitted.image).toEqual(new Float32Array(0));
    expect(fitted.genomics).toEqual(new Float32Array(0));
    expect(Array.from(fitted.labels)).toEqual([1, 1]);
  });

  it('refuses another width for a modality that rows have', () => {
    expect(() =>
      fitBatch(batch([1, 1, 0]), {
        widths,
        spec: { tasks: ['a'], ehrDim: 2, genomicsDim: 0, imageShape: [4, 4, 1] },
      }),
    ).toThrow('imaging rows have 4 values but the model expects 16');
  });
});

describe(remapLabels.name, () => {
  it("reorders label columns to the spec's tasks, NaN for a task the site does not label", () => {
    const labels = Float32Array.from([1, 0, 0, 1]); // rows: (a=1, b=0), (a=0, b=1)
    const out = remapLabels({ labels, n: 2, from: ['a', 'b'], to: ['b', 'c', 'a'] });
    expect(Array.from(out)).toEqual([0, Number.NaN, 1, 1, Number.NaN, 0]);
  });
});

describe(presenceCombinations.name, () => {
  it('counts patients per combination with dot-joined keys in ehr, imaging, genomics order', () => {
    const counts = presenceCombinations([batch([1, 1, 1, 1, 0, 1, 0, 1, 0]), batch([1, 0, 1, 0, 0, 0])]);
    expect(counts).toEqual({
      'ehr.imaging.genomics': 1,
      'ehr.imaging': 0,
      'ehr.genomics': 2,
      'imaging.genomics': 0,
      ehr: 0,
      imaging: 1,
      genomics: 0,
    });
  });
});
