/** A simulated attack a site daemon can run (the simulator's `--poison`); never set at a real site. */
export const POISON_KINDS = ['scaled', 'random'] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** The factor of the `scaled` attack: large enough to dominate any example-weighted mean. */
export const POISON_SCALE = 1e3;

/**
 * Replaces an honest delta, in place, by a poisoned one: `scaled` multiplies it by {@link POISON_SCALE};
 * `random` draws every value from N(0, 1), a delta that carries no training at all.
 */
export function poisonDelta(delta: Float32Array, kind: PoisonKind, random: () => number = Math.random): void {
  if (kind === 'scaled') {
    for (let i = 0; i < delta.length; i++) delta[i]! *= POISON_SCALE;
    return;
  }
  for (let i = 0; i < delta.length; i++) {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const u = 1 - random();
    delta[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
}
