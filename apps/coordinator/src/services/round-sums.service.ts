import { Injectable } from '@nestjs/common';
import { RunningFedAvg } from '@fedfuse/strategy';
import type { ParameterLayout } from '@fedfuse/strategy';

/** The running sum of one run's open round and the accepted messages it holds. */
interface OpenSum {
  roundId: string;
  sum: RunningFedAvg;
  messageKeys: Set<string>;
}

/** One update as it is added: its delta on top of the round's global weights. */
export interface StreamedUpdate {
  runId: string;
  roundId: string;
  messageKey: string;
  base: Float32Array;
  delta: Float32Array;
  layout: ParameterLayout;
  numExamples: number;
  groupExamples?: Record<string, number>;
}

/**
 * The running FedAvg sum of each run's open round, fed as updates are accepted so that aggregation never
 * holds the round's updates (O(model) per run, not O(sites × model)). It is a cache: aggregation uses it only
 * when it holds exactly the updates being aggregated, and otherwise (a restart emptied it, the norm screen
 * excluded a site, a submission was refused after it was added) rebuilds the sum from the stored deltas.
 */
@Injectable()
export class RoundSums {
  private readonly open = new Map<string, OpenSum>();
  /** Per run, the round whose sum aggregation took: late additions to it are dropped, not kept alive. */
  private readonly taken = new Map<string, string>();
  private readonly bases = new Map<string, { roundId: string; weights: Promise<Float32Array | undefined> }>();
  /** A sum nobody uses any more, whose arrays the next new sum takes over (RunningFedAvg.reusing). */
  private spare: RunningFedAvg | undefined;

  /** The weights the run's open round started from, loaded by `load` once per round. */
  base(
    runId: string,
    roundId: string,
    load: () => Promise<Float32Array | undefined>,
  ): Promise<Float32Array | undefined> {
    const known = this.bases.get(runId);
    if (known?.roundId === roundId) return known.weights;
    const weights = load();
    this.bases.set(runId, { roundId, weights });
    return weights;
  }

  add(update: StreamedUpdate): void {
    const { runId, roundId, base, delta } = update;
    if (this.taken.get(runId) === roundId) return;
    let entry = this.open.get(runId);
    if (entry?.roundId === roundId && entry.messageKeys.has(update.messageKey)) return;
    if (entry?.roundId !== roundId) {
      // A new round (or attempt) of the run: the old sum is of no more use.
      if (entry) this.spare = entry.sum;
      entry = {
        roundId,
        sum: RunningFedAvg.reusing(this.spare, base.length, update.layout),
        messageKeys: new Set(),
      };
      this.spare = undefined;
      this.open.set(runId, entry);
    }
    // The same float32 weights the batch path aggregates, global + delta rounded to float32, in one pass.
    entry.sum.addDelta(base, {
      weights: delta,
      numExamples: update.numExamples,
      ...(update.groupExamples ? { groupExamples: update.groupExamples } : {}),
    });
    entry.messageKeys.add(update.messageKey);
  }

  /** The round's sum when it holds exactly the messages `messageKeys`; the run's sum is gone afterwards. */
  take(runId: string, roundId: string, messageKeys: readonly string[]): RunningFedAvg | undefined {
    const entry = this.open.get(runId);
    this.open.delete(runId);
    this.bases.delete(runId);
    this.taken.set(runId, roundId);
    if (entry?.roundId !== roundId) {
      if (entry) this.spare = entry.sum;
      return undefined;
    }
    const exact =
      entry.messageKeys.size === messageKeys.length && messageKeys.every((key) => entry.messageKeys.has(key));
    if (!exact) this.spare = entry.sum;
    return exact ? entry.sum : undefined;
  }

  /**
   * Hands back a sum `take` returned once its caller is done with it (the mean computed), so the next round's
   * sum reuses its memory instead of allocating two model-sized arrays.
   */
  recycle(sum: RunningFedAvg): void {
    this.spare = sum; // taken, so no longer added to; handed back twice, it still lends its arrays once
  }

  /** Forgets the run's sum (its round was cancelled, or the run ended). */
  discard(runId: string): void {
    const entry = this.open.get(runId);
    if (entry) this.spare = entry.sum;
    this.open.delete(runId);
    this.bases.delete(runId);
  }
}
