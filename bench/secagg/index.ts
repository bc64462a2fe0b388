// pnpm bench:secagg [--reps N] — what secure aggregation costs for 10 sites × 1M parameters, as a ratio to a
// plain sealed round of the same vectors in the same run. Whole rounds on both sides: every site's work
// (plain: sealDelta; secure: advertise with fresh keys, share keys, quantise + mask, sign the survivor list,
// answer the unmask request) and the server's (plain: openDelta in place × 10 + RunningFedAvg; secure:
// everything SecAggServer does, rebuilding secrets and removing masks included). Complete graph and SecAgg+,
// with and without one site dropping after key sharing (its plain baseline: a round of the 9 others).
// Everything runs in this one process, so the sites' costs are summed ("all CPU") and, for a round's
// latency with each site on its own machine, the slowest site is added to the server. Wall and CPU time
// (process.cpuUsage) are both printed: on a loaded machine CPU time is the steadier figure.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { Identity } from '@fedfuse/crypto';
import type { SecAggLayout, SiteUpdate } from '@fedfuse/secagg';

import type { Cost } from './parts.ts';
import { median, plus, scaled } from './parts.ts';
import { SERVER_FIXED_PARTS, SERVER_MODEL_PARTS, SITE_STAGES, plainRound, secureRound } from './rounds.ts';
import type { TimedRound } from './rounds.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' } } });
const REPS = Number(values.reps);
const SITES = 10;
const PARAMS = 1_000_000;
// SecAgg+ rows: a Harary graph of degree 4 (t = 4 of each 5-site neighbourhood), 4 pair masks per site.
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

/** What a round cost, grouped the way the issue asks. */
interface Summary {
  siteMean: Cost;
  sitesAll: Cost;
  siteSlowest: Cost;
  serverModel: Cost;
  serverFixed: Cost;
  server: Cost;
  allCpu: Cost;
  latency: Cost;
  stages: Record<string, Cost>;
}

function summarise(round: TimedRound, plain: boolean, live: readonly string[]): Summary {
  const totals = live.map((id) => round.siteTotals.get(id)!);
  const sitesAll = [...round.siteTotals.values()].reduce(plus, { wallMs: 0, cpuMs: 0 });
  const siteSlowest = totals.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  const serverModel = plain
    ? round.parts.sum(['server:open', 'server:fedavg'])
    : round.parts.sum(SERVER_MODEL_PARTS);
  const serverFixed = plain ? { wallMs: 0, cpuMs: 0 } : round.parts.sum(SERVER_FIXED_PARTS);
  const server = plus(serverModel, serverFixed);
  const stages = Object.fromEntries(
    SITE_STAGES.map((s) => [s, scaled(round.parts.get(`site:${s}`), 1 / live.length)]),
  );
  return {
    siteMean: scaled(totals.reduce(plus, { wallMs: 0, cpuMs: 0 }), 1 / live.length),
    sitesAll,
    siteSlowest,
    serverModel,
    serverFixed,
    server,
    allCpu: plus(sitesAll, server),
    latency: plus(siteSlowest, server),
    stages,
  };
}

function selfCheck(
  secure: { result: { mean: Float32Array; errorBound: Record<string, number> } },
  plain: Float32Array,
  what: string,
): void {
  const bound = secure.result.errorBound.all!;
  for (let i = 0; i < PARAMS; i += 997)
    if (Math.abs(secure.result.mean[i]! - plain[i]!) > bound + 1e-6)
      throw new Error(`bench self-check failed (${what}): weight ${i} off by more than ${bound}`);
}

const VARIANTS = [
  { name: 'complete graph, all 10 survive', degree: undefined, drop: undefined },
  { name: 'complete graph, 1 dropped after key sharing', degree: undefined, drop: 'site-0' },
  { name: `SecAgg+ degree ${SPARSE_DEGREE}, all 10 survive`, degree: SPARSE_DEGREE, drop: undefined },
  {
    name: `SecAgg+ degree ${SPARSE_DEGREE}, 1 dropped after key sharing`,
    degree: SPARSE_DEGREE,
    drop: 'site-0',
  },
] as const;

async function main(): Promise<void> {
  const identities = Array.from({ length: SITES }, (_, i) =>
    Identity.generate({ role: 'site', id: `site-${i}` }),
  );
  const coordinator = Identity.generate({ role: 'coordinator', id: 'coordinator' });
  const updates = identities.map((_, k) => syntheticUpdate(k));
  const ids = identities.map((i) => i.id);
  const samples = VARIANTS.map(() => ({ plain: [] as Summary[], secure: [] as Summary[] }));
  for (let rep = 0; rep <= REPS; rep++) {
    for (const [v, variant] of VARIANTS.entries()) {
      const kept = ids.map((_, k) => k).filter((k) => ids[k] !== variant.drop);
      const plain = plainRound(
        kept.map((k) => identities[k]!),
        coordinator,
        kept.map((k) => updates[k]!),
      );
      const secure = await secureRound({
        identities,
        updates,
        layout: LAYOUT,
        degree: variant.degree,
        drop: variant.drop,
      });
      selfCheck(secure, plain.mean, variant.name);
      if (rep === 0) continue; // warm-up
      const live = kept.map((k) => ids[k]!);
      samples[v]!.plain.push(summarise(plain, true, live));
      samples[v]!.secure.push(summarise(secure, false, live));
    }
  }
  print(samples);
}

const pick = (xs: Summary[], f: (s: Summary) => Cost): Cost => median(xs.map(f));

function row(label: string, m: Cost, base?: Cost): string {
  const ratio = (a: number, b: number) => (a / b).toFixed(2).padStart(8);
  return (
    `  ${label.padEnd(58)}${m.wallMs.toFixed(1).padStart(9)}${m.cpuMs.toFixed(1).padStart(9)}` +
    (base ? `${ratio(m.wallMs, base.wallMs)}${ratio(m.cpuMs, base.cpuMs)}` : '')
  );
}

function print(samples: { plain: Summary[]; secure: Summary[] }[]): void {
  const out = [
    `secure aggregation vs a plain sealed round, ${SITES} sites × ${PARAMS} params, median of ${REPS} rounds each`,
    `node ${process.version}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `  ${''.padEnd(58)}${'wall ms'.padStart(9)}${'CPU ms'.padStart(9)}${'× wall'.padStart(8)}${'× CPU'.padStart(8)}`,
  ];
  VARIANTS.forEach((variant, v) => {
    const { plain, secure } = samples[v]!;
    const p = (f: (s: Summary) => Cost) => pick(plain, f);
    const s = (f: (s: Summary) => Cost) => pick(secure, f);
    out.push(`${variant.name} (× the plain round of the same ${variant.drop ? SITES - 1 : SITES} sites)`);
    out.push(
      row(
        'plain: one site (sealDelta)',
        p((x) => x.siteMean),
      ),
    );
    out.push(
      row(
        'secure: one site, all stages (mean over live sites)',
        s((x) => x.siteMean),
        p((x) => x.siteMean),
      ),
    );
    if (v === 0 || v === 2)
      for (const stage of SITE_STAGES)
        out.push(
          row(
            `  ${stage}`,
            s((x) => x.stages[stage]!),
            p((x) => x.siteMean),
          ),
        );
    out.push(
      row(
        'plain: server (openDelta × n + RunningFedAvg)',
        p((x) => x.server),
      ),
    );
    out.push(
      row(
        'secure: server, everything',
        s((x) => x.server),
        p((x) => x.server),
      ),
    );
    out.push(
      row(
        '  masked inputs into the sum + finish (unmask, decode)',
        s((x) => x.serverModel),
        p((x) => x.server),
      ),
    );
    out.push(
      row(
        '  advertisements, shares, signatures, share answers',
        s((x) => x.serverFixed),
        p((x) => x.server),
      ),
    );
    out.push(
      row(
        'whole round, all sites + server (one machine)',
        s((x) => x.allCpu),
        p((x) => x.allCpu),
      ),
    );
    out.push(
      row(
        'whole round, slowest site + server (own machines)',
        s((x) => x.latency),
        p((x) => x.latency),
      ),
    );
  });
  console.log(out.join('\n'));
}

await main();
