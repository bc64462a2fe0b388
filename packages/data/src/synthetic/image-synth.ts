import { viewIndex } from './latent.ts';
import { renderGrid } from './pixel-grid.ts';
import type { Rng } from './rng.ts';
import type { Scanner } from './site-plan.ts';

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
const soft = (inside: number, sharpness: number): number => 1 / (1 + Math.exp(-inside * sharpness));

/** Geometry and intensities of one synthetic chest-like image, derived from the imaging view. */
interface Scene {
  heart: { x: number; y: number; r: number; level: number };
  lesion: { x: number; y: number; sigma: number; amplitude: number };
  liver: { level: number; size: number; texture: number };
  waves: { fx: number; fy: number; phase: number }[];
}

/**
 * Maps the imaging view to what a small CNN can see at 64×64:
 * cardiac — heart size (shared factor) and brightness (specific factor);
 * cancer — a lesion in the right lung whose brightness (specific) and size (shared) vary; its
 *   brightness spans ±0.14 per SD so that the CNN finds it within a federated budget (at ±0.06 it
 *   never did: docs/results.md);
 * metabolic — liver brightness (shared; fatty liver is darker), size and texture (specific).
 */
function scene(view: Float64Array, rng: Rng): Scene {
  const v = (task: 'cancer' | 'cardiac' | 'metabolic', kind: 's' | 'u'): number =>
    view[viewIndex(task, kind)] as number;
  return {
    heart: {
      x: 0.46 + 0.015 * rng.normal(),
      y: 0.6 + 0.015 * rng.normal(),
      r: clamp(0.11 * Math.exp(0.2 * v('cardiac', 's')), 0.05, 0.22),
      level: clamp(0.52 + 0.1 * v('cardiac', 'u'), 0.25, 0.85),
    },
    lesion: {
      x: 0.68 + 0.02 * rng.normal(),
      y: 0.42 + 0.03 * rng.normal(),
      sigma: clamp(0.075 * Math.exp(0.2 * v('cancer', 's')), 0.03, 0.15),
      amplitude: clamp(0.2 + 0.14 * v('cancer', 'u'), 0, 0.6),
    },
    liver: {
      level: clamp(0.42 - 0.12 * v('metabolic', 's'), 0.1, 0.8),
      size: clamp(Math.exp(0.25 * v('metabolic', 'u')), 0.45, 2),
      texture: clamp(0.03 * Math.exp(0.4 * v('metabolic', 'u')), 0.004, 0.15),
    },
    waves: Array.from({ length: 3 }, () => ({
      fx: rng.between(1, 4),
      fy: rng.between(1, 4),
      phase: rng.between(0, 2 * Math.PI),
    })),
  };
}

/** Renders one grey image in [0, 1] (row-major, size × size) through the site's scanner. */
export function renderImage(o: {
  view: Float64Array;
  size: number;
  scanner: Scanner;
  rng: Rng;
}): Float32Array {
  const { size, scanner, rng } = o;
  const s = scene(o.view, rng);
  return renderGrid(size, (x, y) => {
    const body = soft(1 - ((x - 0.5) / 0.44) ** 2 - ((y - 0.53) / 0.4) ** 2, 20);
    const lungs = Math.max(
      soft(1 - ((x - 0.33) / 0.13) ** 2 - ((y - 0.45) / 0.2) ** 2, 12),
      soft(1 - ((x - 0.67) / 0.13) ** 2 - ((y - 0.45) / 0.2) ** 2, 12),
    );
    const heart = soft(
      1 - ((x - s.heart.x) / s.heart.r) ** 2 - ((y - s.heart.y) / (0.85 * s.heart.r)) ** 2,
      10,
    );
    const liver = soft(
      1 - ((x - 0.3) / (0.15 * s.liver.size)) ** 2 - ((y - 0.76) / (0.08 * s.liver.size)) ** 2,
      12,
    );
    const d2 = (x - s.lesion.x) ** 2 + (y - s.lesion.y) ** 2;
    let wave = 0;
    for (const w of s.waves) wave += Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase);
    let v = 0.03 + body * (0.24 + 0.006 * wave);
    v += lungs * body * (0.1 - v);
    v += s.lesion.amplitude * Math.exp(-d2 / (2 * s.lesion.sigma ** 2)) * lungs;
    v += heart * (s.heart.level - v);
    v += liver * (s.liver.level + s.liver.texture * rng.normal() - v);
    v = scanner.gain * clamp(v, 0, 1) ** scanner.gamma + scanner.offset + scanner.noise * rng.normal();
    return clamp(v, 0, 1);
  });
}
