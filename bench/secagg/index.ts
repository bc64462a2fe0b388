// pnpm bench:secagg — what secure aggregation costs for 10 sites × 1M parameters, as a ratio to a plain
// sealed round of the same vectors in the same process: each site's masking (quantise + self mask + 9 pair
// masks, SecAggSite.maskInput) against sealDelta, and the server's unmasking (SecAggServer from the first
// masked inputs into its running sum, and finish(): rebuild secrets, remove masks, de-quantise) against
// openDelta of the 10 deltas plus RunningFedAvg over them. The server's key agreement, share exchange,
// consistency round and share answers are timed apart as fixed cost: they do not grow with the model. Each repetition runs a fresh round (new keys); the median and best of REPS are printed.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

import { Identity, openDelta, sealDelta } from '@fedfuse/crypto';
import { SecAggServer, SecAggSite, planSecAgg } from '@fedfuse/secagg';
import type { SecAggAggregate, SecAggLayout, SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { RunningFedAvg } from '@fedfuse/strategy';

const SITES = 10;
const PARAMS = 1_000_000;
const REPS = 5;
// SecAgg+ row: a Harary graph of degree 4 (t = 4 of each 5-site neighbourhood), 4 pair masks per site.
const SPARSE_DEGREE = 4;
const LAYOUT: SecAggLayout = {
  length: PARAMS,
  groups: [{ name: 'all', ranges: [{ offset: 0, length: PARAMS }] }],
};

/** Deterministic pseudo-random weights in ±0.5 (xorshift), different per site. */
function syntheticUpdate(site: number): SiteUpdate {
  const weights = new Float32Array(PARAMS);
  let x = 0x9e3779b9 ^ (site * 0x85ebca6b);
  for (let i = 0; i < PARAMS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    weights[i] = (x >>> 0) / 0xffffffff - 0.5;
  }
  return { weights, numExamples: 500 + 10 * site };
}

interface RoundTimes {
  /** Everything that does not grow with the model: keys, share exchange, consistency round, share answers. */
  setupMs: number;
  maskMs: number;
  unmaskMs: number;
  result: SecAggAggregate;
}

function timed<T>(totals: { ms: number }, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    totals.ms += performance.now() - start;
  }
}

async function timedAsync<T>(totals: { ms: number }, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    totals.ms += performance.now() - start;
  }
}

/** One secure-aggregation round; `drop` names a site that goes silent after sharing keys. */
async function secureRound(
  identities: Identity[],
  updates: SiteUpdate[],
  options: { drop?: string; sparse?: boolean } = {},
): Promise<RoundTimes> {
  const { drop } = options;
  const graph = options.sparse
    ? { graph: 'sparse' as const, degree: SPARSE_DEGREE }
    : { graph: 'complete' as const };
  const round: SecAggRound = {
    runId: 'bench',
    roundId: `round-${performance.now()}`,
    modelHash: 'ab'.repeat(32),
    plan: planSecAgg({
      sites: SITES,
      toleratedDropouts: 1,
      toleratedColluders: 1,
      maxExamples: 1024,
      ...graph,
    }),
    layout: LAYOUT,
    roster: new Map(identities.map((id) => [id.id, id.signingPublicKey])),
  };
  const setup = { ms: 0 };
  const mask = { ms: 0 };
  const unmask = { ms: 0 };
  const server = new SecAggServer({ round });
  const sites = identities.map((identity) => new SecAggSite({ round, identity }));
  for (const site of sites) timed(setup, () => server.receiveAdvertisement(site.advertise()));
  const keys = timed(setup, () => server.closeAdvertise());
  for (const site of sites) {
    const shared = await timedAsync(setup, () => site.shareKeys(keys));
    timed(setup, () => server.receiveShareKeys(shared));
  }
  const forwarded = timed(setup, () => server.closeShareKeys());
  const live = sites.filter((s) => s.id !== drop);
  const inputs = live.map((site) =>
    timed(mask, () => site.maskInput(forwarded.get(site.id), updates[sites.indexOf(site)]!)),
  );
  for (const input of inputs) timed(unmask, () => server.receiveMaskedInput(input));
  // The consistency round and the share answers do not grow with the model: they count as fixed cost.
  const check = timed(setup, () => server.closeMaskedInput());
  for (const site of live) {
    const signature = site.signSurvivors(check);
    timed(setup, () => server.receiveConsistencySignature(signature));
  }
  const requests = timed(setup, () => server.closeConsistency());
  for (const site of live) {
    const response = site.unmask(requests.get(site.id));
    timed(setup, () => server.receiveUnmaskResponse(response));
  }
  const result = await timedAsync(unmask, () => server.finish());
  return { setupMs: setup.ms, maskMs: mask.ms / live.length, unmaskMs: unmask.ms, result };
}

/** A plain sealed round: each site seals its vector, the coordinator opens all and averages them. */
function plainRound(
  identities: Identity[],
  coordinator: Identity,
  updates: SiteUpdate[],
): { sealMs: number; openMs: number; aggregateMs: number; mean: Float32Array } {
  const context = { siteId: '', roundId: 'round-1', stage: 'fit', modelHash: 'ab'.repeat(32) };
  const seal = { ms: 0 };
  const open = { ms: 0 };
  const aggregate = { ms: 0 };
  const sealed = identities.map((site, k) => {
    const w = updates[k]!.weights;
    const payload = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    return timed(
      seal,
      () =>
        sealDelta({
          site,
          coordinatorBoxKey: coordinator.boxPublicKey,
          context: { ...context, siteId: site.id },
          payload,
        }).sealed,
    );
  });
  const sum = new RunningFedAvg(PARAMS);
  sealed.forEach((bytes, k) => {
    const site = identities[k]!;
    const opened = timed(open, () =>
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
    const weights = new Float32Array(p.buffer, p.byteOffset, PARAMS);
    timed(aggregate, () => sum.add({ weights, numExamples: updates[k]!.numExamples }));
  });
  const mean = timed(aggregate, () => sum.mean());
  return { sealMs: seal.ms / SITES, openMs: open.ms, aggregateMs: aggregate.ms, mean };
}

function stats(values: number[]): { median: number; best: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, best: sorted[0]! };
}

function selfCheck(result: SecAggAggregate, mean: Float32Array, what: string): void {
  const bound = result.errorBound.all!;
  for (let i = 0; i < PARAMS; i += 997) {
    if (Math.abs(result.mean[i]! - mean[i]!) > bound + 1e-6)
      throw new Error(`bench self-check failed (${what}): weight ${i} off by more than ${bound}`);
  }
}

async function main(): Promise<void> {
  const identities = Array.from({ length: SITES }, (_, i) =>
    Identity.generate({ role: 'site', id: `site-${i}` }),
  );
  const coordinator = Identity.generate({ role: 'coordinator', id: 'coordinator' });
  const updates = identities.map((_, k) => syntheticUpdate(k));
  const rows = {
    seal: [] as number[],
    open: [] as number[],
    plainServer: [] as number[],
    mask: [] as number[],
    unmask: [] as number[],
    unmaskDrop: [] as number[],
    maskSparse: [] as number[],
    unmaskSparse: [] as number[],
    setup: [] as number[],
  };
  const plainDrop = plainRound(identities.slice(1), coordinator, updates.slice(1));
  for (let rep = 0; rep <= REPS; rep++) {
    const plain = plainRound(identities, coordinator, updates);
    const secure = await secureRound(identities, updates);
    const dropped = await secureRound(identities, updates, { drop: 'site-0' });
    const sparse = await secureRound(identities, updates, { sparse: true });
    selfCheck(sparse.result, plain.mean, 'sparse graph');
    selfCheck(secure.result, plain.mean, 'all sites');
    selfCheck(dropped.result, plainDrop.mean, 'site-0 dropped');
    if (rep === 0) continue; // warm-up
    rows.seal.push(plain.sealMs);
    rows.open.push(plain.openMs);
    rows.plainServer.push(plain.openMs + plain.aggregateMs);
    rows.mask.push(secure.maskMs);
    rows.unmask.push(secure.unmaskMs);
    rows.unmaskDrop.push(dropped.unmaskMs);
    rows.maskSparse.push(sparse.maskMs);
    rows.unmaskSparse.push(sparse.unmaskMs);
    rows.setup.push(secure.setupMs);
  }
  const s = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, stats(v)])) as Record<
    keyof typeof rows,
    { median: number; best: number }
  >;
  const line = (
    label: string,
    m: { median: number; best: number },
    base?: { median: number; best: number },
  ): string =>
    `  ${label.padEnd(52)}${m.median.toFixed(1).padStart(9)}${m.best.toFixed(1).padStart(9)}` +
    (base
      ? `${(m.median / base.median).toFixed(2).padStart(9)}${(m.best / base.best).toFixed(2).padStart(9)}`
      : '');
  const out = [
    `secure aggregation, ${SITES} sites × ${PARAMS} params (complete graph, t = ${planSecAgg({ sites: SITES, toleratedDropouts: 1, toleratedColluders: 1, graph: 'complete' }).threshold}), ${REPS} rounds`,
    `node ${process.version}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `  ${'operation'.padEnd(52)}${'ms'.padStart(9)}${'best'.padStart(9)}${'× plain'.padStart(9)}${'(best)'.padStart(9)}`,
    line('site: sealDelta of its vector (plain, baseline)', s.seal),
    line('site: maskInput (quantise + self + 9 pair masks)', s.mask, s.seal),
    line('server: openDelta × 10 (plain)', s.open),
    line('server: openDelta × 10 + RunningFedAvg (plain, baseline)', s.plainServer),
    line('server: unmask, all 10 survive', s.unmask, s.plainServer),
    line('server: unmask, 1 dropped after key sharing', s.unmaskDrop, s.plainServer),
    line('server: unmask vs openDelta × 10 only', s.unmask, s.open),
    line(`SecAgg+ degree ${SPARSE_DEGREE}: site maskInput (4 pair masks)`, s.maskSparse, s.seal),
    line(`SecAgg+ degree ${SPARSE_DEGREE}: server unmask, all survive`, s.unmaskSparse, s.plainServer),
    line('fixed cost per round (keys, shares, consistency)', s.setup),
  ];
  console.log(out.join('\n'));
}

await main();
