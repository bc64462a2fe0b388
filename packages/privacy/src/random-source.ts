// Uniform draws from node:crypto's CSPRNG (the generator behind randomBytes), buffered so one call
// to the kernel serves thousands of draws. Nothing here ever touches Math.random.
import { randomFillSync } from 'node:crypto';

const POOL_WORDS = 4096;
const pool = new Uint32Array(POOL_WORDS);
let nextWord = POOL_WORDS;

// Each rejection loop below ends with probability ≥ 1/2 per try: 200 failed tries means a broken source.
const MAX_TRIES = 200;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;

/** A uniform 32-bit unsigned integer. */
function randomUint32(): number {
  if (nextWord === POOL_WORDS) {
    randomFillSync(pool);
    nextWord = 0;
  }
  return pool[nextWord++] ?? 0;
}

/** A uniform double in [0, 1) on the 2⁻⁵³ grid. */
export function uniformDouble(): number {
  return ((randomUint32() >>> 5) * 2 ** 26 + (randomUint32() >>> 6)) / TWO_POW_53;
}

/** A uniform double in (0, 1]: safe to take the logarithm of. */
export function uniformPositiveDouble(): number {
  return 1 - uniformDouble();
}

/** A uniform integer in [0, bound) for 1 ≤ bound ≤ 2³², without modulo bias. */
function uniformBelow(bound: number): number {
  const limit = TWO_POW_32 - (TWO_POW_32 % bound);
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const word = randomUint32();
    if (word < limit) return word % bound;
  }
  throw new Error('random source failed: no draw below the rejection limit');
}

/** A uniform bigint in [0, bound) for any bound ≥ 1, by rejection on just enough random bits. */
export function uniformBigBelow(bound: bigint): bigint {
  if (bound <= BigInt(TWO_POW_32)) return BigInt(uniformBelow(Number(bound)));
  const bits = (bound - 1n).toString(2).length;
  const words = Math.ceil(bits / 32);
  const topMask = (1n << BigInt(bits)) - 1n;
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    let value = 0n;
    for (let w = 0; w < words; w++) value = (value << 32n) | BigInt(randomUint32());
    value &= topMask;
    if (value < bound) return value;
  }
  throw new Error('random source failed: no draw below the bound');
}
