import { describe, expect, it } from 'vitest';
import type { ModelBatch } from '@fedfuse/model/spec';
import { concatBatches, selectRows } from './batch-ops.ts';

const batch = (n: number, base: number, present: number[]): ModelBatch => ({
  n,
  ehr: Float32Array.from({ length: n * 2 }, (_, i) => base + i),
  image: Float32Array.from({ length: n }, (_, i) => base + 10 + i),
  genomics: Float32Array.from({ length: n * 3 }, (_, i) => base + 20 + i),
  present: Uint8Array.from(present),
  labels: Float32Array.from({ length: n }, (_, i) => i % 2),
});

describe('concatBatches', () => {
  it('stacks rows of every array in order and skips empty batches', () => {
    const out = concatBatches([batch(1, 0, [1, 1, 1]), batch(0, 0, []), batch(2, 100, [1, 0, 1, 0, 1, 0])]);
    expect(out.n).toBe(3);
    expect(Array.from(out.ehr)).toEqual([0, 1, 100, 101, 102, 103]);
    expect(Array.from(out.present)).toEqual([1, 1, 1, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(out.genomics.subarray(3))).toEqual([120, 121, 122, 123, 124, 125]);
  });

  it('refuses batches with different feature widths', () => {
    const wide = { ...batch(1, 0, [1, 1, 1]), ehr: new Float32Array(3) };
    expect(() => concatBatches([batch(1, 0, [1, 1, 1]), wide])).toThrow(/row widths differ/);
  });
});

describe('selectRows', () => {
  it('keeps rows with the required modalities and zeroes and flags the hidden ones', () => {
    const b = batch(3, 0, [1, 1, 0, 0, 1, 1, 1, 1, 1]);
    const { batch: out, rows } = selectRows(b, { require: ['imaging', 'genomics'], hide: ['ehr'] });
    expect(rows).toEqual([1, 2]);
    expect(Array.from(out.present)).toEqual([0, 1, 1, 0, 1, 1]);
    expect(Array.from(out.ehr)).toEqual([0, 0, 0, 0]);
    expect(Array.from(out.image)).toEqual([11, 12]);
    expect(Array.from(out.labels)).toEqual([1, 0]);
    expect(b.ehr[2]).toBe(2); // the source batch is untouched
  });

  it('considers only the rows asked for, in their order, and refuses a row outside the batch', () => {
    const b = batch(3, 0, [1, 1, 0, 0, 1, 1, 1, 1, 1]);
    const { batch: out, rows } = selectRows(b, { rows: [2, 0], require: ['imaging'] });
    expect(rows).toEqual([2, 0]);
    expect(Array.from(out.image)).toEqual([12, 10]);
    expect(() => selectRows(b, { rows: [3] })).toThrow(/row 3 is not a row of a batch of 3/);
  });
});
