import { fromBase64 } from '@fedfuse/crypto';
import type { RoundSecAgg, SecureAggregationConfig } from '@fedfuse/protocol';
import { MAX_TRANSFER_BYTES } from '@fedfuse/protocol';
import type { SecAggLayout, SecAggRound } from '@fedfuse/secagg';
import type { ParameterLayout } from '@fedfuse/strategy';
import { planRoundSecAgg } from '../secure-aggregation-plan.ts';

/** Weights outside every layout entry are averaged together under this group. */
const UNGROUPED = 'ungrouped';

/** A secure round as the driver needs it and as the selected sites are told it (FitIns.privacy.secAgg). */
export interface PlannedSecAgg {
  round: SecAggRound;
  ins: RoundSecAgg;
}

/**
 * The secure-aggregation round for the selected sites: the plan for their number, the roster of their
 * enrolled signing keys, and the model's parameter groups as the masked vector's layout.
 */
export function planSecAggRound(args: {
  config: SecureAggregationConfig;
  runId: string;
  roundId: string;
  modelHash: string;
  sites: readonly { id: string; signingKey: string }[];
  layout: ParameterLayout;
  length: number;
  /**
   * How the round quantises: a DP round's (secagg-dp.ts: coordinates clipped to ±C, levels leaving room for the
   * noise) or a plain one's (exactQuantisation: the finest its sites allow).
   */
  quantisation?: { clip?: number; levelsLog2: number; maxExamples?: number };
}): { ok: true; planned: PlannedSecAgg } | { ok: false; message: string } {
  const plan = planRoundSecAgg(args.config, args.sites.length, args.quantisation);
  if (!plan.ok) return plan;
  const layout = secAggLayout(args.layout, args.length);
  // The masked input (4 bytes a word, a count word per group) travels as one chunked transfer.
  const maskedBytes = 4 * (layout.length + layout.groups.length);
  if (maskedBytes > MAX_TRANSFER_BYTES)
    return {
      ok: false,
      message: `secureAggregation: the model's masked input is ${maskedBytes} bytes, over the ${MAX_TRANSFER_BYTES} one transfer can carry (${args.length} weights)`,
    };
  const roster = new Map(args.sites.map((s) => [s.id, fromBase64(s.signingKey, 32, 'signingKey')]));
  const { threshold, degree, clip, levelsLog2, maxExamples, toleratedDropouts, toleratedColluders, graph } =
    plan.plan;
  return {
    ok: true,
    planned: {
      round: {
        runId: args.runId,
        roundId: args.roundId,
        modelHash: args.modelHash,
        plan: plan.plan,
        layout,
        roster,
      },
      ins: {
        toleratedDropouts,
        toleratedColluders,
        graph,
        threshold,
        degree,
        clip,
        levelsLog2,
        maxExamples,
        roster: args.sites.map((s) => ({ siteId: s.id, signingKey: s.signingKey })),
        layout: {
          length: layout.length,
          groups: layout.groups.map((g) => ({ name: g.name, ranges: [...g.ranges] })),
        },
      },
    },
  };
}

/** The strategy's parameter groups as secure-aggregation groups, covering every weight exactly once. */
function secAggLayout(layout: ParameterLayout, length: number): SecAggLayout {
  const groups = new Map<string, { offset: number; length: number }[]>();
  const add = (name: string, offset: number, size: number) => {
    if (size > 0) groups.set(name, [...(groups.get(name) ?? []), { offset, length: size }]);
  };
  let cursor = 0;
  for (const entry of [...layout].sort((a, b) => a.offset - b.offset)) {
    add(UNGROUPED, cursor, entry.offset - cursor);
    add(entry.group, entry.offset, entry.length);
    cursor = Math.max(cursor, entry.offset + entry.length);
  }
  add(UNGROUPED, cursor, length - cursor);
  return { length, groups: [...groups].map(([name, ranges]) => ({ name, ranges })) };
}
