// Norm clipping over a model's weights held as several arrays (one per tensor).

/** The L2 norm of all `parts` taken as one vector, accumulated in float64 so a million float32
 *  squares do not lose the small ones. */
export function l2Norm(parts: readonly Float32Array[]): number {
  let sumOfSquares = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const value = part[i] ?? 0;
      sumOfSquares += value * value;
    }
  }
  return Math.sqrt(sumOfSquares);
}

/** Scales `parts` in place so their joint L2 norm is at most `clip` (Infinity clips nothing).
 *  Returns the norm before clipping and the factor applied, min(1, clip / norm). */
export function clipToNorm(parts: Float32Array[], clip: number): { norm: number; scale: number } {
  if (!(clip > 0)) throw new RangeError(`clip must be > 0 (Infinity for none), got ${clip}`);
  const norm = l2Norm(parts);
  if (!Number.isFinite(norm)) throw new RangeError(`the update's norm is not finite (${norm})`);
  const scale = norm > clip ? clip / norm : 1;
  if (scale < 1) {
    for (const part of parts) {
      for (let i = 0; i < part.length; i++) part[i] = (part[i] ?? 0) * scale;
    }
  }
  return { norm, scale };
}
