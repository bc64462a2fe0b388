/**
 * Per-feature sufficient statistics. Sites share only these aggregates; summing them across
 * sites gives the federation's mean and variance without moving a single patient value.
 */
export interface StatBlock {
  names: string[];
  count: number[];
  sum: number[];
  sumSq: number[];
}

/** Statistics for the standardized blocks: numeric EHR features and panel genes. */
export interface FeatureStats {
  ehr: StatBlock;
  genomics: StatBlock;
}

/** Mean and standard deviation per feature, as applied to a batch. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** An all-zero block for the given feature names. */
export function emptyStatBlock(names: readonly string[]): StatBlock {
  const zeros = (): number[] => names.map(() => 0);
  return { names: [...names], count: zeros(), sum: zeros(), sumSq: zeros() };
}

/**
 * Adds up the statistics of several sites. Feature names must match exactly (same panel,
 * same EHR schema): adding misaligned columns would corrupt every site's normalization.
 * @example const shared = mergeFeatureStats([siteA.localStats, siteB.localStats]);
 */
export function mergeFeatureStats(all: readonly FeatureStats[]): FeatureStats {
  const first = all[0];
  if (!first) throw new RangeError('mergeFeatureStats needs at least one site');
  return {
    ehr: mergeBlocks(
      all.map((s) => s.ehr),
      'EHR',
    ),
    genomics: mergeBlocks(
      all.map((s) => s.genomics),
      'genomics',
    ),
  };
}

function mergeBlocks(blocks: readonly StatBlock[], what: string): StatBlock {
  const out = emptyStatBlock(blocks[0]?.names ?? []);
  blocks.forEach((b, k) => {
    const same = b.names.length === out.names.length && b.names.every((n, i) => n === out.names[i]);
    if (!same) {
      const diff = b.names.find((n, i) => n !== out.names[i]) ?? out.names[b.names.length] ?? '(length)';
      throw new RangeError(
        `${what} statistics of site ${k + 1} have different features (first difference: '${diff}')`,
      );
    }
    for (let i = 0; i < out.names.length; i++) {
      out.count[i] = (out.count[i] ?? 0) + (b.count[i] ?? 0);
      out.sum[i] = (out.sum[i] ?? 0) + (b.sum[i] ?? 0);
      out.sumSq[i] = (out.sumSq[i] ?? 0) + (b.sumSq[i] ?? 0);
    }
  });
  return out;
}

/**
 * Mean and population standard deviation per feature. A feature seen fewer than twice or
 * with (numerically) zero variance gets std 1, so it is centred but never blown up.
 */
export function toNormalization(block: StatBlock): Normalization {
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < block.names.length; i++) {
    const n = block.count[i] ?? 0;
    const m = n > 0 ? (block.sum[i] ?? 0) / n : 0;
    const variance = n > 1 ? Math.max(0, (block.sumSq[i] ?? 0) / n - m * m) : 0;
    const s = Math.sqrt(variance);
    mean.push(m);
    std.push(s > 1e-6 * Math.max(1, Math.abs(m)) ? s : 1);
  }
  return { mean, std };
}
