import { pooledTextureNorm, resolveModelConfig } from '@fedfuse/model';
import type { ModelSpec } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';
import { INPUT_PLACEHOLDERS } from './run-config.ts';
import type { ReportedSite } from './schema-groups.ts';
import { siteSchema } from './testing/site-schemas.ts';
import { describeTexture, federationTextureNorm } from './texture-norm.ts';

/** Sums over `images` images whose six energies are `mean + k` with spread `sd`. */
const sums = (images: number, mean: number, sd: number) => {
  const means = Array.from({ length: 6 }, (_, k) => mean + k);
  return {
    images,
    sum: means.map((m) => m * images),
    sumSquares: means.map((m) => (m * m + sd * sd) * images),
  };
};
const site = (name: string, options: Parameters<typeof siteSchema>[0] = {}): ReportedSite => ({
  id: `id-${name}`,
  name,
  schema: siteSchema(options),
});
const spec = (overrides: Partial<ModelSpec> = {}) =>
  ({
    ...resolveModelConfig({ ...INPUT_PLACEHOLDERS, imageShape: [16, 16, 1] }),
    ...overrides,
  }) as ModelSpec;

describe('federationTextureNorm', () => {
  it("pools the imaging sites' sums into each energy's mean and SD over every image", () => {
    const a = sums(30, -2, 1);
    const b = sums(10, 2, 1);
    const decision = federationTextureNorm(spec(), [
      site('A', { imageTexture: a }),
      site('B', { imageTexture: b }),
      site('C', { modalities: ['ehr', 'genomics'] }), // no imaging: not asked for sums
    ]);
    expect(decision).toEqual({ norm: pooledTextureNorm([a, b]), sites: 2, ignored: [] });
    // 30 images at −2 + k and 10 at 2 + k, each with SD 1: mean −1 + k, variance 1 + 3.
    expect(decision.norm!.center[0]).toBeCloseTo(-1, 9);
    expect(decision.norm!.scale[0]).toBeCloseTo(Math.sqrt(4 + 1e-4), 9);
    expect(describeTexture(decision)).toBe('standardised by constants pooled over 2 site(s)');
  });

  it('leaves out sums no real images give (a hostile or faulty peer) and names the site', () => {
    const a = sums(30, -2, 1);
    const b = sums(10, 2, 1);
    const hostile = { images: 1_000_000, sum: a.sum.map(() => 1e12), sumSquares: a.sum.map(() => 1e24) };
    const decision = federationTextureNorm(spec(), [
      site('A', { imageTexture: a }),
      site('B', { imageTexture: b }),
      site('Mallory', { imageTexture: hostile }),
    ]);
    expect(decision).toEqual({ norm: pooledTextureNorm([a, b]), sites: 2, ignored: ['Mallory'] });
    expect(describeTexture(decision)).toBe(
      'standardised by constants pooled over 2 site(s); implausible sums ignored: Mallory',
    );
  });

  it('leaves out a site with too few images (null) and one at another image shape', () => {
    const a = sums(30, -2, 1);
    const decision = federationTextureNorm(spec(), [
      site('A', { imageTexture: a }),
      site('B', { imageTexture: null }),
      site('C', { imageShape: [32, 32, 1], imageTexture: sums(50, 5, 1) }),
    ]);
    expect(decision).toEqual({ norm: pooledTextureNorm([a]), sites: 1, ignored: [] });
  });

  it('keeps the energies raw, and says why, when a daemon predates the sums or the model reads none', () => {
    const current = site('A', { imageTexture: sums(30, 0, 1) });
    const older = site('Old Hospital');
    expect(describeTexture(federationTextureNorm(spec(), [current, older]))).toBe(
      'raw (Old Hospital did not report texture sums)',
    );
    for (const off of [
      { imageTexture: false },
      { imageStandardize: false },
      { modalities: ['ehr' as const] },
    ])
      expect(federationTextureNorm(spec(off), [current]).norm).toBeNull();
    const given = { center: [0, 0, 0, 0, 0, 0], scale: [1, 1, 1, 1, 1, 1] };
    expect(federationTextureNorm(spec({ imageTextureNorm: given }), [current])).toEqual({
      norm: null,
      reason: 'the run gives model.imageTextureNorm',
    });
    expect(federationTextureNorm(spec(), [site('B', { imageTexture: null })]).norm).toBeNull();
  });
});
