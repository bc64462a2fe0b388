import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAndLoad } from '../testing/federation.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { axialScanner, renderAxialImage } from './axial-image-synth.ts';
import { generate } from './generate.ts';
import { viewIndex } from './latent.ts';
import { Rng } from './rng.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const SMALL = { sites: 3, patientsPerSite: 40, genes: 300, moduleSize: 20, imageSize: 32, dicomFraction: 0 };

function render(o: { seed: number; site: number; shift: number; view?: Float64Array }): Float32Array {
  return renderAxialImage({
    view: o.view ?? new Float64Array(12),
    size: 32,
    scanner: axialScanner({ seed: o.seed, site: o.site, shift: o.shift }),
    rng: new Rng(7),
  });
}

const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe('the axial image family', () => {
  it('renders the same image for the same seed and another for another seed', () => {
    expect(render({ seed: 1, site: 0, shift: 1 })).toEqual(render({ seed: 1, site: 0, shift: 1 }));
    expect(render({ seed: 2, site: 0, shift: 1 })).not.toEqual(render({ seed: 1, site: 0, shift: 1 }));
  });

  it('writes identical site folders per seed, with images unlike the chest family', async () => {
    const [a, b, chest] = await Promise.all([
      generateAndLoad({ ...SMALL, outDir: tmp.path('a'), seed: 4, imageFamily: 'axial' }),
      generateAndLoad({ ...SMALL, outDir: tmp.path('b'), seed: 4, imageFamily: 'axial' }),
      generateAndLoad({ ...SMALL, outDir: tmp.path('c'), seed: 4 }),
    ]);
    expect(a[0]?.train.batch.image).toEqual(b[0]?.train.batch.image);
    expect(a[0]?.train.batch.image).not.toEqual(chest[0]?.train.batch.image);
    // Only the images change: labels and the other modalities are the same patients' as in chest.
    expect(a[0]?.train.batch.labels).toEqual(chest[0]?.train.batch.labels);
    expect(a[0]?.train.batch.genomics).toEqual(chest[0]?.train.batch.genomics);
  });

  it('gives each site its own scanner: the same scene differs in intensity and sharpness', () => {
    const scanners = [0, 1, 2].map((site) => axialScanner({ seed: 3, site, shift: 1 }));
    expect(new Set(scanners.map((s) => s.gain)).size).toBe(3);
    expect(new Set(scanners.map((s) => s.blur)).size).toBe(3);
    const means = [0, 1, 2].map((site) => mean(render({ seed: 3, site, shift: 1 })));
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(0.02);
    // Without a scanner shift every site sees the same scene identically, up to its noise draw.
    const flat = [0, 1].map((site) => mean(render({ seed: 3, site, shift: 0 })));
    expect(Math.abs((flat[0] as number) - (flat[1] as number))).toBeLessThan(0.005);
  });

  it('shows the cardiac factor as a thicker wall: more bright pixels at the same position', () => {
    const view = (u: number): Float64Array => {
      const v = new Float64Array(12);
      v[viewIndex('cardiac', 'u')] = u;
      return v;
    };
    const bright = (image: Float32Array): number => image.filter((x) => x > 0.5).length;
    const thin = render({ seed: 1, site: 0, shift: 0, view: view(-2) });
    const thick = render({ seed: 1, site: 0, shift: 0, view: view(2) });
    expect(bright(thick)).toBeGreaterThan(bright(thin) + 5);
  });

  it('refuses an unknown family, naming the option', async () => {
    await expect(
      generate({ ...SMALL, outDir: tmp.path('x'), seed: 1, imageFamily: 'knee' as never }),
    ).rejects.toThrow(/imageFamily must be one of chest, axial, got knee/);
  });

  it('keeps site intensity statistics apart in the written files', async () => {
    const sites = await generateAndLoad({ ...SMALL, outDir: tmp.path('fed'), seed: 6, imageFamily: 'axial' });
    const siteMeans = sites.map((s) => mean(s.train.batch.image.filter((_, i) => i % 7 === 0)));
    expect(Math.max(...siteMeans) - Math.min(...siteMeans)).toBeGreaterThan(0.02);
  });
});
