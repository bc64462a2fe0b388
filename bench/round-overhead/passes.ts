// What one pass over a 1.1M-parameter delta costs on this machine, measured in the bench's own run: the
// floor of a round is a count of such passes (docs/performance.md, "Round overhead, session 9").
import { createHash, randomBytes } from 'node:crypto';

const REPS = 20;

function msPerCall(run: () => unknown): number {
  run(); // first call: code and memory warmed
  const started = performance.now();
  for (let i = 0; i < REPS; i++) run();
  return (performance.now() - started) / REPS;
}

/**
 * Milliseconds per pass over `bytes` bytes: SHA-256, a copy into a fresh and into a reused buffer. (The AEAD's
 * cost is bench:seal's: opening in place runs at about twice SHA-256's speed.)
 */
export function passCosts(bytes: number): Record<'sha256' | 'freshCopy' | 'reusedCopy', number> {
  const source = randomBytes(bytes);
  const reused = new Uint8Array(bytes);
  return {
    sha256: msPerCall(() => createHash('sha256').update(source).digest()),
    freshCopy: msPerCall(() => new Uint8Array(source)),
    reusedCopy: msPerCall(() => reused.set(source)),
  };
}
