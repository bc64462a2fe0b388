// Continuous Gaussian noise by the Box–Muller transform on CSPRNG doubles. Floating-point samplers leak
// through the low bits of their outputs (Mironov 2012, "On significance of the least significant bits
// for differential privacy"): use the discrete Gaussian where the noised values are integers.
import { uniformDouble, uniformPositiveDouble } from './random-source.ts';
import { requireInteger, requireNonNegative } from './require.ts';

const CHUNK = 16_384;

/** `length` independent N(0, σ²) draws from the CSPRNG. */
export function gaussianNoise(length: number, sigma: number): Float64Array {
  requireInteger('length', length, 0);
  requireNonNegative('sigma', sigma);
  const out = new Float64Array(length);
  if (sigma === 0) return out;
  for (let i = 0; i < length; i += 2) {
    const radius = sigma * Math.sqrt(-2 * Math.log(uniformPositiveDouble()));
    const angle = 2 * Math.PI * uniformDouble();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** Adds N(0, σ²) to every element of `target` in place, a chunk at a time to bound the extra memory. */
export function addGaussianNoise(target: Float32Array | Float64Array, sigma: number): void {
  requireNonNegative('sigma', sigma);
  if (sigma === 0) return;
  for (let start = 0; start < target.length; start += CHUNK) {
    const noise = gaussianNoise(Math.min(CHUNK, target.length - start), sigma);
    for (let i = 0; i < noise.length; i++) target[start + i] = (target[start + i] ?? 0) + (noise[i] ?? 0);
  }
}
