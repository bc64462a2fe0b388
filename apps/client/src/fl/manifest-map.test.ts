import { WeightsManifest } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';

import { manifestMismatch, toWireManifest } from './manifest-map.ts';

const layout = [
  { name: 'ehr.dense1.kernel', shape: [4, 8], group: 'ehr', offset: 0, length: 32 },
  { name: 'ehr.dense1.bias', shape: [8], group: 'ehr', offset: 32, length: 8 },
  { name: 'fusion.scale', shape: [], group: 'fusion', offset: 40, length: 1 },
];

describe(toWireManifest.name, () => {
  it('keeps names, shapes and order, and counts parameters (a scalar counts one)', () => {
    const wire = toWireManifest(layout);
    expect(wire).toEqual({
      dtype: 'float32',
      tensors: [
        { name: 'ehr.dense1.kernel', shape: [4, 8] },
        { name: 'ehr.dense1.bias', shape: [8] },
        { name: 'fusion.scale', shape: [] },
      ],
      numParams: 41,
    });
    expect(WeightsManifest.safeParse(wire).success).toBe(true);
    expect(manifestMismatch(wire, layout)).toBeUndefined();
  });

  it('names the first tensor whose name, shape or position differs', () => {
    const wire = toWireManifest(layout);
    expect(manifestMismatch({ ...wire, tensors: wire.tensors.slice(0, 2) }, layout)).toMatch(/2 tensors.*3/);
    const reshaped = wire.tensors.map((t, i) => (i === 1 ? { ...t, shape: [9] } : t));
    expect(manifestMismatch({ ...wire, tensors: reshaped }, layout)).toMatch(
      /"ehr.dense1.bias" has shape \[9\].*\[8\]/,
    );
    const swapped = [wire.tensors[1]!, wire.tensors[0]!, wire.tensors[2]!];
    expect(manifestMismatch({ ...wire, tensors: swapped }, layout)).toMatch(/tensor 0 is "ehr.dense1.bias"/);
  });
});
