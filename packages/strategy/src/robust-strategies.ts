import { FedAvgStrategy } from './fed-avg-strategy.ts';
import type { FedAvgStrategyOptions } from './fed-avg-strategy.ts';
import { fedMedian } from './fed-median.ts';
import { krum } from './krum.ts';
import type { KrumOptions } from './krum.ts';
import type { FitResult } from './strategy.ts';
import { trimmedMean } from './trimmed-mean.ts';

// Robust rules ignore numExamples and the layout by design: a site cannot buy influence by claiming
// more examples, and per-group counts would reintroduce exactly that lever. They compare every update
// coordinate by coordinate (or pairwise), so they cannot be fed one update at a time: streamsFit is false.

/** Flower's FedMedian: coordinate-wise median of the sites' weights. */
export class FedMedianStrategy extends FedAvgStrategy {
  override get streamsFit(): boolean {
    return false;
  }

  protected override aggregateWeights(_round: number, results: readonly FitResult[]): Float32Array {
    return fedMedian(results);
  }
}

/** Options of {@link FedTrimmedAvgStrategy}. */
export interface FedTrimmedAvgStrategyOptions extends FedAvgStrategyOptions {
  /** Fraction cut from each tail per coordinate (default 0.2, Flower's). */
  beta?: number;
}

/** Flower's FedTrimmedAvg: coordinate-wise trimmed mean. */
export class FedTrimmedAvgStrategy extends FedAvgStrategy {
  override get streamsFit(): boolean {
    return false;
  }

  readonly beta: number;

  constructor(options: FedTrimmedAvgStrategyOptions = {}) {
    super(options);
    this.beta = options.beta ?? 0.2;
    if (!(this.beta >= 0 && this.beta < 0.5))
      throw new Error(`FedTrimmedAvg beta must be in [0, 0.5), got ${this.beta}`);
  }

  protected override aggregateWeights(_round: number, results: readonly FitResult[]): Float32Array {
    return trimmedMean(results, this.beta);
  }
}

/** Options of {@link KrumStrategy}. */
export interface KrumStrategyOptions extends FedAvgStrategyOptions, Partial<KrumOptions> {}

/** Flower's Krum (MultiKrum when numToKeep > 1); numMalicious and numToKeep default to 0. */
export class KrumStrategy extends FedAvgStrategy {
  override get streamsFit(): boolean {
    return false;
  }

  readonly krum: Required<KrumOptions>;

  constructor(options: KrumStrategyOptions = {}) {
    super(options);
    this.krum = { numMalicious: options.numMalicious ?? 0, numToKeep: options.numToKeep ?? 0 };
  }

  protected override aggregateWeights(_round: number, results: readonly FitResult[]): Float32Array {
    return krum(results, this.krum);
  }
}
