import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleClients, sampleSize } from './client-sampler.ts';
import type { SampleOptions } from './client-sampler.ts';
import type { ClientInfo } from './strategy.ts';

const sites = (count: number, unavailable: number[] = []): ClientInfo[] =>
  Array.from({ length: count }, (_, i) => ({ id: `site-${i}`, available: !unavailable.includes(i) }));

const options: SampleOptions = { round: 1, seed: 42, fraction: 0.5, minClients: 2, minAvailableClients: 2 };

describe(sampleSize.name, () => {
  it.each([
    { available: 10, fraction: 0.5, minClients: 2, size: 5 },
    { available: 10, fraction: 0.1, minClients: 2, size: 2 },
    { available: 7, fraction: 0.3, minClients: 1, size: 2 },
    { available: 3, fraction: 1, minClients: 5, size: 5 },
    { available: 100, fraction: 0.01, minClients: 3, size: 3 },
  ])('max(floor($available·$fraction), $minClients) = $size', ({ available, fraction, minClients, size }) => {
    expect(sampleSize(available, { fraction, minClients })).toBe(size);
  });
});

describe(sampleClients.name, () => {
  it('samples Flower’s number of distinct available sites', () => {
    const result = sampleClients(sites(10, [3, 4]), options);
    // 8 available → max(floor(8·0.5), 2) = 4
    expect(result.ok && result.clientIds).toHaveLength(4);
    if (!result.ok) return;
    expect(new Set(result.clientIds).size).toBe(4);
    expect(result.clientIds).not.toContain('site-3');
    expect(result.clientIds).not.toContain('site-4');
  });

  it('is deterministic for a seed and round, whatever order the sites are listed in', () => {
    const listed = sites(20);
    const first = sampleClients(listed, options);
    expect(sampleClients(listed, options)).toEqual(first);
    expect(sampleClients([...listed].reverse(), options)).toEqual(first);
  });

  it('draws different samples for different rounds, seeds and purposes', () => {
    const listed = sites(40);
    const ids = (o: SampleOptions) => {
      const result = sampleClients(listed, o);
      return result.ok ? result.clientIds : [];
    };
    const base = ids(options);
    expect(ids({ ...options, round: 2 })).not.toEqual(base);
    expect(ids({ ...options, seed: 43 })).not.toEqual(base);
    expect(ids({ ...options, purpose: 'evaluate' })).not.toEqual(base);
  });

  it('samples within bounds for any federation', () => {
    const arbitrary = fc.record({
      count: fc.integer({ min: 0, max: 50 }),
      unavailableEvery: fc.integer({ min: 2, max: 7 }),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      minClients: fc.integer({ min: 0, max: 10 }),
      seed: fc.integer(),
      round: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(arbitrary, ({ count, unavailableEvery, fraction, minClients, seed, round }) => {
        const listed = sites(count).map((site, i) => ({ ...site, available: i % unavailableEvery !== 0 }));
        const available = listed.filter((site) => site.available).map((site) => site.id);
        const result = sampleClients(listed, { round, seed, fraction, minClients, minAvailableClients: 0 });
        const size = sampleSize(available.length, { fraction, minClients });
        if (size > available.length || size === 0) {
          expect(result.ok).toBe(false);
          return;
        }
        if (!result.ok) throw new Error(result.message);
        expect(result.clientIds).toHaveLength(size);
        expect(new Set(result.clientIds).size).toBe(size);
        result.clientIds.forEach((id) => expect(available).toContain(id));
      }),
    );
  });

  it('refuses the round when fewer than minAvailableClients sites are available', () => {
    const result = sampleClients(sites(5, [0, 1, 2, 3]), {
      ...options,
      minClients: 1,
      minAvailableClients: 2,
    });
    expect(result).toEqual({
      ok: false,
      reason: 'below_min_available',
      message: '1 sites available, the round needs at least 2',
    });
  });

  it('refuses the round when the sample needs more sites than are available', () => {
    const result = sampleClients(sites(3), { ...options, minClients: 4, minAvailableClients: 0 });
    expect(result).toMatchObject({ ok: false, reason: 'not_enough_for_sample' });
    expect(result.ok ? '' : result.message).toMatch(/samples 4 sites but only 3 are available/);
  });

  it('refuses an empty sample and rejects bad options or duplicate ids', () => {
    const empty = sampleClients(sites(3), { ...options, fraction: 0, minClients: 0, minAvailableClients: 0 });
    expect(empty).toMatchObject({ ok: false, reason: 'empty_sample' });
    expect(() => sampleClients(sites(3), { ...options, fraction: 1.5 })).toThrow(
      /fraction must be in \[0, 1\]/,
    );
    expect(() => sampleClients(sites(3), { ...options, minClients: -1 })).toThrow(
      /minClients must be an integer/,
    );
    expect(() => sampleClients([...sites(2), { id: 'site-0', available: true }], options)).toThrow(
      /site id 'site-0' is listed twice/,
    );
  });
});
