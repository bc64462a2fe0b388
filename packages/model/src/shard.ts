import { MODALITIES } from './batch.ts';
import type { ModelConfig } from './config.ts';
import type { LossDenominators } from './loss.ts';

/** One replica's part of a data-parallel step: rows [start, end) of the step's rows. */
export interface ShardRange {
  start: number;
  end: number;
}

/** Contiguous, near-equal parts; the first ones take the remainder, so part 0 is never empty. */
export function shardRange(rows: number, parts: { index: number; count: number }): ShardRange {
  const base = Math.floor(rows / parts.count);
  const extra = rows % parts.count;
  const start = parts.index * base + Math.min(parts.index, extra);
  return { start, end: start + base + (parts.index < extra ? 1 : 0) };
}

/**
 * The counts lossTerms divides by, for a whole step's rows (labels rows×T, present rows×3 in batch
 * order), floored at 1 as lossTerms floors them.
 */
export function lossDenominators(
  config: ModelConfig,
  step: { labels: Float32Array; present: Uint8Array },
): LossDenominators {
  const tasks = config.tasks.length;
  const rows = step.present.length / 3;
  const columns = config.modalities.map((m) => MODALITIES.indexOf(m));
  const column = (modality: (typeof MODALITIES)[number]) =>
    config.modalities.includes(modality) ? MODALITIES.indexOf(modality) : -1;
  const counted = { labels: 0, auxiliary: 0, genomics: 0, imaging: 0 };
  for (let r = 0; r < rows; r++) {
    let labelled = 0;
    for (let t = 0; t < tasks; t++) labelled += Number.isNaN(step.labels[r * tasks + t]) ? 0 : 1;
    const present = columns.reduce((sum, c) => sum + step.present[r * 3 + c]!, 0);
    counted.labels += labelled;
    counted.auxiliary += labelled * present;
    counted.genomics += column('genomics') >= 0 ? step.present[r * 3 + column('genomics')]! : 0;
    counted.imaging += column('imaging') >= 0 ? step.present[r * 3 + column('imaging')]! : 0;
  }
  return {
    labels: Math.max(counted.labels, 1),
    auxiliary: Math.max(counted.auxiliary, 1),
    rows,
    genomics: Math.max(counted.genomics, 1),
    imaging: Math.max(counted.imaging, 1),
  };
}
