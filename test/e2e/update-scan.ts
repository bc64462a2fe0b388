import type { Haystack } from './privacy-scan.ts';

/** A single site's own update for one round, as bytes: what secure aggregation must keep from the coordinator. */
export interface UpdateNeedle {
  kind: 'update (float32)' | 'update (quantised)';
  label: string;
  bytes: Buffer;
}

export interface UpdateLeak {
  kind: UpdateNeedle['kind'];
  label: string;
  haystack: string;
  /** Where in the haystack, and which window of the update (byte offset) was found there. */
  offset: number;
  window: number;
}

/** 64 bytes: 16 float32 or 16 quantised words. A match this long is no coincidence. */
export const WINDOW_BYTES = 64;
/**
 * A window with fewer distinct 32-bit words (runs of zeros, ±1 steps of a coarse quantisation) could match
 * padding or an empty page by chance; 8 distinct values among 16 cannot.
 */
const MIN_DISTINCT_WORDS = 8;

interface Candidate {
  needle: number;
  start: number;
  /** Byte offset inside the window of the word it is indexed by. */
  anchor: number;
}

/**
 * The window's word least likely to be everywhere (the most distinct bytes; never 0 or all ones, which fill
 * empty pages): indexing by it keeps the candidates at any one haystack offset few.
 */
function anchorOf(bytes: Buffer, start: number): number {
  let best = 0;
  let bestScore = -1;
  for (let at = 0; at < WINDOW_BYTES; at += 4) {
    const word = bytes.readUInt32LE(start + at);
    const score =
      word === 0 || word === 0xffffffff ? 0 : new Set(bytes.subarray(start + at, start + at + 4)).size;
    if (score > bestScore) [best, bestScore] = [at, score];
  }
  return best;
}

function distinctWords(bytes: Buffer, start: number): number {
  const words = new Set<number>();
  for (let at = start; at < start + WINDOW_BYTES; at += 4) words.add(bytes.readUInt32LE(at));
  return words.size;
}

/** The windows of `bytes` at every 4-byte step (each value's boundary) that vary enough to mean something. */
export function scannableWindows(bytes: Buffer): number[] {
  const starts: number[] = [];
  for (let start = 0; start + WINDOW_BYTES <= bytes.length; start += 4)
    if (distinctWords(bytes, start) >= MIN_DISTINCT_WORDS) starts.push(start);
  return starts;
}

/**
 * Every haystack that holds any scannable 64-byte window of any needle, at any byte offset (aligned or not).
 * One pass per haystack: windows are indexed by one of their words and confirmed byte for byte.
 */
export function findUpdateLeaks(
  needles: readonly UpdateNeedle[],
  haystacks: readonly Haystack[],
): UpdateLeak[] {
  const index = new Map<number, Candidate[]>();
  for (const [needle, { bytes }] of needles.entries())
    for (const start of scannableWindows(bytes)) {
      const anchor = anchorOf(bytes, start);
      const key = bytes.readUInt32LE(start + anchor);
      const list = index.get(key) ?? [];
      list.push({ needle, start, anchor });
      index.set(key, list);
    }
  const leaks: UpdateLeak[] = [];
  for (const haystack of haystacks) {
    const found = new Set<number>();
    const hay = haystack.bytes;
    for (let at = 0; at + 4 <= hay.length; at++) {
      const candidates = index.get(hay.readUInt32LE(at));
      if (!candidates) continue;
      for (const { needle, start, anchor } of candidates) {
        const offset = at - anchor;
        if (found.has(needle) || offset < 0 || offset + WINDOW_BYTES > hay.length) continue;
        const { bytes, kind, label } = needles[needle]!;
        if (hay.compare(bytes, start, start + WINDOW_BYTES, offset, offset + WINDOW_BYTES) !== 0) continue;
        found.add(needle);
        leaks.push({ kind, label, haystack: haystack.name, offset, window: start });
      }
    }
  }
  return leaks;
}
