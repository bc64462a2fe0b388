import { setFlagsFromString } from 'node:v8';

/** V8's old-generation limit after a full collection, as a percentage of what survived it, above 100 %. */
const HEAP_GROWING_PERCENT = 100;

/**
 * Lets the JavaScript heap grow to twice what survived the last full collection before the next one starts.
 * Every round moves model-sized short-lived buffers through the coordinator (hundreds of megabytes) and each
 * site (download, delta, sealing); with V8's own limit (≈ 1.8× here, close enough to trigger marking again
 * at once) the coordinator ran 5–6 full collections a round of 1.1M weights × 10 sites, 2–3 with this
 * (`bench:round`, docs/performance.md). The coordinator, the site daemon and the simulator's site hosts set
 * it at start-up (V8 reads the flag each time it sets the limit); a value the operator gave (NODE_OPTIONS,
 * node's own arguments) is left alone. Returns whether it was set here.
 */
export function growHeapLimit(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) =>
    /^--heap[-_]growing[-_]percent\b/.test(arg),
  );
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
