import { setFlagsFromString } from 'node:v8';

/** V8's old-generation limit after a full collection, as a percentage of what survived it, above 100 %. */
const HEAP_GROWING_PERCENT = 100;

/**
 * Lets the JavaScript heap grow to twice what survived the last full collection before the next one starts.
 * Every round moves hundreds of megabytes of short-lived buffers through the coordinator; with V8's own limit
 * (≈ 1.8× here, close enough to trigger marking again at once) it ran 5–6 full collections a round of
 * 1.1M weights × 10 sites, 2–3 with this (`bench:round`, docs/performance.md). The flag is read each time V8
 * sets the limit, so setting it at start-up works; a value the operator gave (NODE_OPTIONS, node's own
 * arguments) is left alone. Returns whether it was set here.
 */
export function growHeapLimit(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) =>
    /^--heap[-_]growing[-_]percent\b/.test(arg),
  );
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
