import { createRng } from '@fedfuse/protocol';
import type { ClientInfo, RoundSkipReason } from './strategy.ts';

/** How many sites to sample and from which random stream. */
export interface SampleOptions {
  round: number;
  seed: number;
  /** Fraction of available sites to sample (Flower's fraction_fit / fraction_evaluate). */
  fraction: number;
  /** Lower bound on the sample size (Flower's min_fit_clients / min_evaluate_clients). */
  minClients: number;
  /** No round unless at least this many sites are available (Flower's min_available_clients). */
  minAvailableClients: number;
  /** Fit and evaluation draw from independent streams of the same seed. */
  purpose?: 'fit' | 'evaluate';
}

/** The sampled site ids, or why no round can run. */
export type SampleResult =
  { ok: true; clientIds: string[] } | { ok: false; reason: RoundSkipReason; message: string };

/** Flower's num_fit_clients rule: max(floor(available · fraction), minClients). */
export function sampleSize(numAvailable: number, options: { fraction: number; minClients: number }): number {
  return Math.max(Math.floor(numAvailable * options.fraction), options.minClients);
}

/** Throws unless the sampling parameters are meaningful. */
export function assertSamplingOptions(
  options: Pick<SampleOptions, 'fraction' | 'minClients' | 'minAvailableClients'>,
): void {
  const { fraction, minClients, minAvailableClients } = options;
  if (!(fraction >= 0 && fraction <= 1))
    throw new Error(`sampling fraction must be in [0, 1], got ${fraction}`);
  for (const [name, value] of Object.entries({ minClients, minAvailableClients })) {
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be an integer >= 0, got ${value}`);
  }
}

/**
 * Samples sites without replacement, deterministically for a given (seed, round, purpose) and independent
 * of the order `clients` are listed in.
 */
export function sampleClients(clients: readonly ClientInfo[], options: SampleOptions): SampleResult {
  assertSamplingOptions(options);
  const ids = availableIds(clients);
  const { minAvailableClients } = options;
  if (ids.length < minAvailableClients) {
    const message = `${ids.length} sites available, the round needs at least ${minAvailableClients}`;
    return { ok: false, reason: 'below_min_available', message };
  }
  const size = sampleSize(ids.length, options);
  if (size > ids.length) {
    const message = `the round samples ${size} sites but only ${ids.length} are available`;
    return { ok: false, reason: 'not_enough_for_sample', message };
  }
  if (size === 0)
    return { ok: false, reason: 'empty_sample', message: 'fraction and minimum select no site' };
  const random = createRng(roundSeed(options));
  // Partial Fisher–Yates: the first `size` slots end up a uniform sample.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (ids.length - i));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return { ok: true, clientIds: ids.slice(0, size) };
}

function availableIds(clients: readonly ClientInfo[]): string[] {
  const seen = new Set<string>();
  for (const { id } of clients) {
    if (seen.has(id)) throw new Error(`sampleClients: site id '${id}' is listed twice`);
    seen.add(id);
  }
  return clients
    .filter((client) => client.available)
    .map((client) => client.id)
    .sort();
}

/** Mixes seed, round and purpose into one 32-bit seed (murmur3's finaliser), so nearby rounds differ. */
function roundSeed(options: SampleOptions): number {
  const purpose = options.purpose === 'evaluate' ? 0x85ebca6b : 0;
  let h = (options.seed ^ Math.imul(options.round, 0x9e3779b1) ^ purpose) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
