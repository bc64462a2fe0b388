import { viewIndex } from './latent.ts';
import { renderGrid } from './pixel-grid.ts';
import { Rng } from './rng.ts';

/**
 * The second image family, `axial`: an axial body slice written independently of the `chest`
 * family and never tuned to the model's encoder (a check, not a target). Every cue is local shape
 * or texture at a position and size that vary per patient:
 * cardiac — the wall thickness of a ring (a ventricle) whose centre and radius vary;
 * cancer — how many small nodules lie in the parenchyma (specific factor) and their size (shared);
 * metabolic — the spatial frequency of an organ's texture (specific) and its darkness (shared).
 */

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
const soft = (inside: number, sharpness: number): number => 1 / (1 + Math.exp(-inside * sharpness));

/** A site's `axial` scanner: bias field, blur, gain and offset, noise (in that order). */
export interface AxialScanner {
  gain: number;
  offset: number;
  /** Gaussian blur std as a fraction of the image side. */
  blur: number;
  noise: number;
  /** Multiplicative linear bias field: 1 + strength·(projection on `angle`) across the image. */
  biasStrength: number;
  biasAngle: number;
}

/** Draws a site's scanner from its own stream, so the `chest` family's files stay unchanged. */
export function axialScanner(o: { seed: number; site: number; shift: number }): AxialScanner {
  const rng = Rng.derive(o.seed, 'site', o.site, 'axial-scanner');
  const k = o.shift;
  return {
    gain: Math.exp(0.25 * k * rng.normal()),
    offset: 0.08 * k * rng.normal(),
    blur: 0.02 * k * rng.uniform(),
    noise: 0.01 + 0.04 * k * rng.uniform(),
    biasStrength: 0.3 * k * rng.uniform(),
    biasAngle: rng.between(0, 2 * Math.PI),
  };
}

interface Ring {
  x: number;
  y: number;
  outer: number;
  wall: number;
}
interface Nodule {
  x: number;
  y: number;
  sigma: number;
}
interface Organ {
  x: number;
  y: number;
  rx: number;
  ry: number;
  level: number;
  frequency: number;
  waves: { angle: number; phase: number }[];
}
interface AxialScene {
  body: { x: number; y: number; rx: number; ry: number };
  ring: Ring;
  nodules: Nodule[];
  organ: Organ;
}

/** Poisson draw by inversion (small means only). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let product = rng.uniform();
  while (product > limit && k < 50) {
    k++;
    product *= rng.uniform();
  }
  return k;
}

function scene(view: Float64Array, rng: Rng): AxialScene {
  const v = (task: 'cancer' | 'cardiac' | 'metabolic', kind: 's' | 'u'): number =>
    view[viewIndex(task, kind)] as number;
  const body = {
    x: 0.5 + 0.03 * rng.normal(),
    y: 0.5 + 0.03 * rng.normal(),
    rx: rng.between(0.38, 0.46),
    ry: rng.between(0.3, 0.4),
  };
  const outer = rng.between(0.09, 0.15);
  const ring = {
    x: body.x - rng.between(0.02, 0.16),
    y: body.y - rng.between(0.0, 0.12),
    outer,
    wall: clamp(0.045 * Math.exp(0.3 * (v('cardiac', 'u') + 0.5 * v('cardiac', 's'))), 0.015, 0.9 * outer),
  };
  const count = poisson(rng, 2.5 * Math.exp(0.45 * v('cancer', 'u')));
  const sigma = clamp(0.022 * Math.exp(0.2 * v('cancer', 's')), 0.012, 0.05);
  const nodules = Array.from({ length: count }, () => ({
    x: body.x + rng.between(0.05, 0.3),
    y: body.y + rng.between(-0.25, 0.05),
    sigma: sigma * rng.between(0.8, 1.25),
  }));
  const organ = {
    x: body.x + rng.between(-0.2, 0.05),
    y: body.y + rng.between(0.1, 0.2),
    rx: rng.between(0.12, 0.18),
    ry: rng.between(0.07, 0.11),
    level: clamp(0.5 - 0.08 * v('metabolic', 's'), 0.2, 0.8),
    frequency: clamp(9 * Math.exp(0.3 * v('metabolic', 'u')), 3, 24),
    waves: Array.from({ length: 3 }, () => ({
      angle: rng.between(0, Math.PI),
      phase: rng.between(0, 2 * Math.PI),
    })),
  };
  return { body, ring, nodules, organ };
}

/** Clean intensity of the scene at (x, y), before the scanner. */
function intensity(s: AxialScene, x: number, y: number): number {
  const { body, ring, organ } = s;
  const inBody = soft(1 - ((x - body.x) / body.rx) ** 2 - ((y - body.y) / body.ry) ** 2, 25);
  let value = 0.05 + 0.3 * inBody;
  const r = Math.hypot(x - ring.x, y - ring.y);
  const wall = soft(ring.outer - r, 300) * soft(r - (ring.outer - ring.wall), 300);
  const cavity = soft(ring.outer - ring.wall - r, 300);
  value += cavity * (0.2 - value) + wall * (0.65 - value);
  const inOrgan = soft(1 - ((x - organ.x) / organ.rx) ** 2 - ((y - organ.y) / organ.ry) ** 2, 15);
  let texture = 0;
  for (const w of organ.waves) {
    const along = x * Math.cos(w.angle) + y * Math.sin(w.angle);
    texture += Math.sin(2 * Math.PI * organ.frequency * along + w.phase);
  }
  value += inOrgan * (organ.level + 0.06 * texture - value);
  for (const n of s.nodules) {
    value += 0.35 * inBody * Math.exp(-((x - n.x) ** 2 + (y - n.y) ** 2) / (2 * n.sigma ** 2));
  }
  return value;
}

/** Separable Gaussian blur in place (std in pixels; edges clamp). */
function blur(image: Float32Array, size: number, std: number): void {
  if (std < 0.3) return;
  const radius = Math.ceil(3 * std);
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * std * std)),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  const pass = (step: number, stride: number): void => {
    const copy = Float32Array.from(image);
    for (let line = 0; line < size; line++) {
      for (let i = 0; i < size; i++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const j = clamp(i + k, 0, size - 1);
          sum += (weights[k + radius] as number) * (copy[line * stride + j * step] as number);
        }
        image[line * stride + i * step] = sum / total;
      }
    }
  };
  pass(1, size);
  pass(size, 1);
}

/** Renders one `axial` grey image in [0, 1] (row-major, size × size) through the site's scanner. */
export function renderAxialImage(o: {
  view: Float64Array;
  size: number;
  scanner: AxialScanner;
  rng: Rng;
}): Float32Array {
  const { size, scanner, rng } = o;
  const s = scene(o.view, rng);
  const [cx, cy] = [Math.cos(scanner.biasAngle), Math.sin(scanner.biasAngle)];
  const out = renderGrid(size, (x, y) => {
    const bias = 1 + scanner.biasStrength * ((x - 0.5) * cx + (y - 0.5) * cy);
    return intensity(s, x, y) * bias;
  });
  blur(out, size, scanner.blur * size);
  for (let i = 0; i < out.length; i++) {
    const v = scanner.gain * (out[i] as number) + scanner.offset + scanner.noise * rng.normal();
    out[i] = clamp(v, 0, 1);
  }
  return out;
}
