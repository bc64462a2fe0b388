import { describe, expect, it } from 'vitest';

import { neighbourhoods } from './graph.ts';

const ids = Array.from({ length: 20 }, (_, i) => `site-${i}`);

describe(neighbourhoods.name, () => {
  it('SecAgg+: a symmetric k-regular graph, fixed by the session id', () => {
    const a = neighbourhoods(ids, 6, new Uint8Array(32).fill(1));
    for (const [id, near] of a) {
      expect(near.size).toBe(6);
      expect(near.has(id)).toBe(false);
      for (const other of near) expect(a.get(other)!.has(id)).toBe(true);
    }
    expect(neighbourhoods([...ids].reverse(), 6, new Uint8Array(32).fill(1))).toEqual(a);
    const b = neighbourhoods(ids, 6, new Uint8Array(32).fill(2));
    expect([...b.values()].map((s) => [...s].sort())).not.toEqual([...a.values()].map((s) => [...s].sort()));
  });

  it('the complete graph when the degree reaches n − 1', () => {
    const all = neighbourhoods(ids.slice(0, 5), 4, new Uint8Array(32));
    expect([...all.get('site-0')!].sort()).toEqual(['site-1', 'site-2', 'site-3', 'site-4']);
  });
});
