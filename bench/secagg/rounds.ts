// One plain sealed round and one secure-aggregation round of the same site vectors, every part timed.
// Plain: each site seals its float32 vector (sealDelta); the server opens each in place and adds it into
// RunningFedAvg, then takes the mean. Secure: every stage of SecAggSite and SecAggServer, in order.
import { performance } from 'node:perf_hooks';

import { openDelta, sealDelta } from '@fedfuse/crypto';
import type { Identity } from '@fedfuse/crypto';
import { SecAggServer, SecAggSite, planSecAgg } from '@fedfuse/secagg';
import type { SecAggAggregate, SecAggLayout, SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { RunningFedAvg } from '@fedfuse/strategy';

import { Parts, minus, plus } from './parts.ts';
import type { Cost } from './parts.ts';

/** Server parts that grow with the model: adding masked inputs into the running sum, and finish(). */
export const SERVER_MODEL_PARTS = ['server:masked-input', 'server:finish'];
/** Server parts that do not: advertisements, share forwarding, survivor signatures, share answers. */
export const SERVER_FIXED_PARTS = [
  'server:advertise',
  'server:share-keys',
  'server:consistency',
  'server:unmask',
];
export const SITE_STAGES = ['advertise', 'share-keys', 'mask-input', 'sign-survivors', 'unmask'] as const;

export interface TimedRound {
  parts: Parts;
  /** Per site that took part, its CPU and wall time over all its stages (a dropped site's too). */
  siteTotals: Map<string, Cost>;
  /** Sites whose vectors are in the aggregate. */
  live: number;
  mean: Float32Array;
}

function addToSite(round: TimedRound, site: string, cost: Cost): void {
  const total = round.siteTotals.get(site) ?? { wallMs: 0, cpuMs: 0 };
  round.siteTotals.set(site, plus(total, cost));
}

/** Time a site's stage as part `site:<stage>`, and add it to that site's own total. */
function siteTime<T>(round: TimedRound, at: { site: string; stage: string }, fn: () => T): T {
  const { site, stage } = at;
  const part = `site:${stage}`;
  const before = round.parts.get(part);
  try {
    return round.parts.time(part, fn);
  } finally {
    addToSite(round, site, minus(round.parts.get(part), before));
  }
}

async function siteTimeAsync<T>(
  round: TimedRound,
  at: { site: string; stage: string },
  fn: () => Promise<T>,
): Promise<T> {
  const { site, stage } = at;
  const part = `site:${stage}`;
  const before = round.parts.get(part);
  try {
    return await round.parts.timeAsync(part, fn);
  } finally {
    addToSite(round, site, minus(round.parts.get(part), before));
  }
}

/** A plain sealed round of `updates` (site k is identities[k]). */
export function plainRound(identities: Identity[], coordinator: Identity, updates: SiteUpdate[]): TimedRound {
  const round: TimedRound = {
    parts: new Parts(),
    siteTotals: new Map(),
    live: identities.length,
    mean: new Float32Array(),
  };
  const context = { siteId: '', roundId: 'round-1', stage: 'fit', modelHash: 'ab'.repeat(32) };
  const sealed = identities.map((site, k) => {
    const w = updates[k]!.weights;
    const payload = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    return siteTime(round, { site: site.id, stage: 'seal' }, () =>
      sealDelta({
        site,
        coordinatorBoxKey: coordinator.boxPublicKey,
        context: { ...context, siteId: site.id },
        payload,
      }),
    ).sealed;
  });
  const sum = new RunningFedAvg(updates[0]!.weights.length);
  sealed.forEach((bytes, k) => {
    const site = identities[k]!;
    const opened = round.parts.time('server:open', () =>
      openDelta({
        coordinator,
        siteBoxKey: site.boxPublicKey,
        expected: { ...context, siteId: site.id },
        sealed: bytes,
        inPlace: true,
      }),
    );
    if (!opened.ok) throw new Error(`bench self-check failed: ${opened.error.message}`);
    const p = opened.data.payload;
    const weights = new Float32Array(p.buffer, p.byteOffset, p.byteLength / 4);
    round.parts.time('server:fedavg', () => sum.add({ weights, numExamples: updates[k]!.numExamples }));
  });
  round.mean = round.parts.time('server:fedavg', () => sum.mean());
  return round;
}

/** One secure round; `drop` names a site that goes silent after sharing keys. */
export async function secureRound(args: {
  identities: Identity[];
  updates: SiteUpdate[];
  layout: SecAggLayout;
  degree?: number;
  drop?: string;
}): Promise<TimedRound & { result: SecAggAggregate }> {
  const { identities, updates, drop } = args;
  const graph =
    args.degree === undefined
      ? { graph: 'complete' as const }
      : { graph: 'sparse' as const, degree: args.degree };
  const spec: SecAggRound = {
    runId: 'bench',
    roundId: `round-${performance.now()}`,
    modelHash: 'ab'.repeat(32),
    plan: planSecAgg({
      sites: identities.length,
      toleratedDropouts: 1,
      toleratedColluders: 1,
      maxExamples: 1024,
      ...graph,
    }),
    layout: args.layout,
    roster: new Map(identities.map((id) => [id.id, id.signingPublicKey])),
  };
  const round: TimedRound = { parts: new Parts(), siteTotals: new Map(), live: 0, mean: new Float32Array() };
  const { parts } = round;
  const server = new SecAggServer({ round: spec });
  // Key generation (two X25519 pairs and a seed) happens in the constructor: part of advertising.
  const sites = identities.map((identity) =>
    siteTime(
      round,
      { site: identity.id, stage: 'advertise' },
      () => new SecAggSite({ round: spec, identity }),
    ),
  );
  for (const site of sites) {
    const ad = siteTime(round, { site: site.id, stage: 'advertise' }, () => site.advertise());
    parts.time('server:advertise', () => server.receiveAdvertisement(ad));
  }
  const keys = parts.time('server:advertise', () => server.closeAdvertise());
  for (const site of sites) {
    const shared = await siteTimeAsync(round, { site: site.id, stage: 'share-keys' }, () =>
      site.shareKeys(keys),
    );
    parts.time('server:share-keys', () => server.receiveShareKeys(shared));
  }
  const forwarded = parts.time('server:share-keys', () => server.closeShareKeys());
  const live = sites.filter((s) => s.id !== drop);
  round.live = live.length;
  for (const site of live) {
    const update = updates[sites.indexOf(site)]!;
    const input = siteTime(round, { site: site.id, stage: 'mask-input' }, () =>
      site.maskInput(forwarded.get(site.id), update),
    );
    parts.time('server:masked-input', () => server.receiveMaskedInput(input));
  }
  const check = parts.time('server:masked-input', () => server.closeMaskedInput());
  for (const site of live) {
    const signature = siteTime(round, { site: site.id, stage: 'sign-survivors' }, () =>
      site.signSurvivors(check),
    );
    parts.time('server:consistency', () => server.receiveConsistencySignature(signature));
  }
  const requests = parts.time('server:consistency', () => server.closeConsistency());
  for (const site of live) {
    const response = siteTime(round, { site: site.id, stage: 'unmask' }, () =>
      site.unmask(requests.get(site.id)),
    );
    parts.time('server:unmask', () => server.receiveUnmaskResponse(response));
  }
  const result = await parts.timeAsync('server:finish', () => server.finish());
  round.mean = result.mean;
  return { ...round, result };
}
