// Round overhead: everything in a round except local training and evaluation (weights out in
// chunks, sealing, upload, opening, validation, persistence, aggregation, atomic checkpoint,
// database commit). Sites are real protocol peers over real sockets whose "training" is instant.
// Reports the goal ratios (each configuration × tiny/1 site), the coordinator's peak RSS (VmHWM), and the CPU
// time per round of the coordinator and of the sites (this process), from the run's start to its end: on a
// shared machine CPU time swings far less than wall time, so it is the steadier before/after figure.
// Usage: pnpm bench:round [--rounds N] [--only 1M:10] [--tick-ms MS] [--cpu-prof DIR] [--baseline MAIN_JS] [--secure]
// --secure: each configuration of 10 sites is also run with secureAggregation (toleratedDropouts 1), right
// after its plain run, the sites masking over their real sockets (secagg-take-part.ts); ratios secure ÷ plain.
// --baseline: another coordinator build's dist/main.js (e.g. of the previous commit), measured right before
// this one for each configuration, so the before/after ratio comes from the same run.
// SQLite commits per round (each waits for an fsync) come from the coordinator's `fedfuse_sqlite_commits` metric.
// --tick-ms: the coordinator's ticker (default: its production default, 500 ms). Nothing inside a round
// waits for a tick (submissions advance it), but every tick reads the running runs: a 20 ms ticker costs
// CPU in the round. --cpu-prof: V8 profiles of the coordinator, written when it exits (Chrome DevTools).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { takePartSecurely } from '@fedfuse/coordinator/testing/secagg-take-part';
import { tinyModel } from '@fedfuse/coordinator/testing/harness';
import { freePort, operatorRest } from '@fedfuse/coordinator/testing/operator-rest';
import { commitsPerRound, sqliteCommits } from './commits.ts';
import { passCosts } from './passes.ts';
import { growHeapLimit } from '@fedfuse/log/heap-growth';
import { paramSpecs, resolveModelConfig } from '@fedfuse/model';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'tick-ms': { type: 'string' },
    baseline: { type: 'string' },
    'cpu-prof': { type: 'string' },
    secure: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
// The sites here run in this process as each daemon runs in its own: with the heap growth it sets at start-up.
growHeapLimit(process.execArgv, process.env.NODE_OPTIONS);
const PROFILE_DIR = values['cpu-prof'];
const TOKEN = 'bench-operator-token-0123456789';
// ~1.1M parameters: the default architecture. The data-derived fields are given, as
// the bench's sites report no data schema to derive them from.
const MODEL_1M = {
  genomicsDim: 2000,
  ehrDim: 32,
  imageShape: [64, 64, 1] as [number, number, number],
  tasks: ['cancer', 'cardiac', 'metabolic'],
};

function api<T>(port: number, request: string, body?: unknown): Promise<T> {
  return operatorRest(port, TOKEN)<T>(request, body);
}

/** A small delta from the global weights: a plain loop (Float32Array#map with a callback took 10–38 ms per 1.1M values here, 2–4× the loop). */
function scaled(global: Float32Array): Float32Array {
  const delta = new Float32Array(global.length);
  for (let i = 0; i < global.length; i++) delta[i] = global[i]! * 1e-3;
  return delta;
}

/**
 * A site's instant "training": its first round's delta, sent again every round. Training is not round
 * overhead, and the ten sites share the coordinator's two cores, so they do no per-round work but the
 * protocol's (a fresh delta per site and round was ≈ 0.3 s of the sites' CPU per round under load).
 */
function instantTraining(): (global: Float32Array) => Float32Array {
  let delta: Float32Array | undefined;
  return (global) => (delta ??= scaled(global));
}

interface RoundTiming {
  number: number;
  startedAt: number;
  finishedAt: number;
}

interface Measured {
  params: number;
  perRoundMs: number[];
  peakRssMiB: number;
  /** CPU milliseconds per round, user + system, from the run's start to its completion. */
  coordinatorCpuMs: number;
  sitesCpuMs: number;
  /** SQLite commits per round (each waits for an fsync), by tables written; undefined for a build that does not count them. */
  commits: ReturnType<typeof commitsPerRound>;
}

async function measure(options: {
  clients: number;
  model: object;
  main: string;
  secure?: boolean;
}): Promise<Measured> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-bench-round-'));
  const profile = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
  const args = [...profile, options.main, '--data', dataDir, '--port', String(port)];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...(values['tick-ms'] === undefined ? {} : { FEDFUSE_TICK_MS: values['tick-ms'] }),
      FEDFUSE_OPERATOR_TOKEN: TOKEN,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve()),
  );
  const sites: TestSite[] = [];
  try {
    for (let k = 0; k < options.clients; k++) {
      const token = await api<{ token: string }>(port, 'POST /api/tokens', {
        label: `s${k}`,
        autoApprove: true,
      });
      const site = new TestSite(`http://127.0.0.1:${port}`, `Site ${k}`);
      sites.push(site);
      await site.enroll(token.token);
      site.close();
      const training = instantTraining();
      if (!options.secure) site.autoTrain = { delta: training, numExamples: 10 + k };
      site.keepAlive({ retryMs: 50 });
      if (options.secure) {
        for (let i = 0; i < 400 && !site.socket?.connected; i++) await new Promise((r) => setTimeout(r, 25));
        takePartSecurely(site, {
          update: async ({ global }) => ({ weights: training(await global()), numExamples: 10 + k }),
        });
      }
    }
    const run = await api<{ runId: string; config: { model: unknown } }>(port, 'POST /api/runs', {
      name: 'bench',
      rounds: ROUNDS,
      minClients: options.clients,
      model: options.model,
      ...(options.secure ? { secureAggregation: { toleratedDropouts: 1 } } : {}),
    });
    const commitsBefore = await sqliteCommits(port, TOKEN);
    const cpuBefore = { coordinator: processCpuMs(child.pid!), sites: ownCpuMs() };
    await api(port, `POST /api/runs/${run.runId}/start`);
    for (let i = 0; i < 6000; i++) {
      const state = (await api<{ state: string }>(port, `GET /api/runs/${run.runId}`)).state;
      if (state === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const coordinatorCpuMs = (processCpuMs(child.pid!) - cpuBefore.coordinator) / ROUNDS;
    const sitesCpuMs = (ownCpuMs() - cpuBefore.sites) / ROUNDS;
    const commits = commitsPerRound(commitsBefore, await sqliteCommits(port, TOKEN), ROUNDS);
    const rounds = await api<RoundTiming[]>(port, `GET /api/runs/${run.runId}/rounds`);
    const manifest = (sites[0]!.received[0]!.model.manifest as { numParams: number }).numParams;
    const perRoundMs = rounds.map((r) => r.finishedAt - r.startedAt);
    return {
      params: manifest,
      perRoundMs,
      peakRssMiB: peakRssMiB(child.pid!),
      coordinatorCpuMs,
      sitesCpuMs,
      commits,
    };
  } finally {
    sites.forEach((s) => s.close());
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // A profiled coordinator must exit cleanly to write its profile.
    child.kill(PROFILE_DIR === undefined ? 'SIGKILL' : 'SIGTERM');
    await exited;
  }
}

// Linux /proc/PID/stat counts CPU time in clock ticks, 100 a second on every mainstream kernel build.
const TICK_MS = 10;

/** CPU time (user + system) a process has used so far, in ms (Linux /proc/PID/stat, 10 ms resolution). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime (fields 14 and 15)
}

/** CPU time (user + system) this process (the sites) has used so far, in ms. */
function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The process's peak resident set (Linux VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return line ? Number(line[1]) / 1024 : NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `round overhead (no training, no evaluation work), ${ROUNDS} rounds each, median per round; coordinator in its own process`,
);
const CONFIGURATIONS = [
  ['tiny', tinyModel, 1],
  ['tiny', tinyModel, 10],
  ['1M', MODEL_1M, 1],
  ['1M', MODEL_1M, 10],
] as const;
interface Row {
  label: string;
  now: Measured;
  before?: Measured;
}
const rows: Row[] = [];
const secureRows: { label: string; plain: Measured; secure: Measured }[] = [];
const describeCommits = (m: Measured) =>
  m.commits
    ? `; SQLite commits per round ${m.commits.total.toFixed(1)} (${m.commits.byTables.map(([t, n]) => `${t} ${n.toFixed(1)}`).join(', ')})`
    : '';
const describe = (m: Measured) =>
  `${median(m.perRoundMs).toFixed(0)} ms per round (${m.perRoundMs.map((x) => x.toFixed(0)).join(', ')}), CPU per round: coordinator ${m.coordinatorCpuMs.toFixed(0)} ms, sites ${m.sitesCpuMs.toFixed(0)} ms; coordinator peak RSS ${m.peakRssMiB.toFixed(0)} MiB${describeCommits(m)}`;
for (const [name, model, clients] of CONFIGURATIONS) {
  if (values.only !== undefined && values.only !== `${name}:${clients}`) continue;
  const before = values.baseline ? await measure({ clients, model, main: values.baseline }) : undefined;
  const now = await measure({ clients, model, main: COORDINATOR_BIN });
  const label = `${name} model (${now.params.toLocaleString('en')} params), ${clients} client(s)`;
  rows.push({ label, now, ...(before ? { before } : {}) });
  if (before) console.log(`  ${label}, baseline: ${describe(before)}`);
  console.log(`  ${label}: ${describe(now)}`);
  if (values.secure && clients >= 3) {
    const secure = await measure({ clients, model, main: COORDINATOR_BIN, secure: true });
    secureRows.push({ label, plain: now, secure });
    console.log(`  ${label}, secureAggregation: ${describe(secure)}`);
  }
}
const base = median(rows[0]!.now.perRoundMs);
const cpu = (m: Measured) => m.coordinatorCpuMs + m.sitesCpuMs;
console.log(
  `\n| configuration | ms per round | × ${rows[0]!.label} | CPU ms per round, coordinator + sites | coordinator peak RSS (MiB) |${values.baseline ? ' baseline ms | × baseline | baseline CPU ms | CPU × baseline |' : ''}\n|---|---|---|---|---|${values.baseline ? '---|---|---|---|' : ''}`,
);
for (const { label, now, before } of rows) {
  const ms = median(now.perRoundMs);
  const versus = before
    ? ` ${median(before.perRoundMs).toFixed(0)} | ${(ms / median(before.perRoundMs)).toFixed(2)} | ${before.coordinatorCpuMs.toFixed(0)} + ${before.sitesCpuMs.toFixed(0)} | ${(cpu(now) / cpu(before)).toFixed(2)} |`
    : '';
  console.log(
    `| ${label} | ${ms.toFixed(0)} | ${(ms / base).toFixed(2)} | ${now.coordinatorCpuMs.toFixed(0)} + ${now.sitesCpuMs.toFixed(0)} | ${now.peakRssMiB.toFixed(0)} |${versus}`,
  );
}
for (const { label, plain, secure } of secureRows) {
  const ms = median(secure.perRoundMs) / median(plain.perRoundMs);
  console.log(
    `\nsecureAggregation ÷ plain sealed rounds, ${label}: ${ms.toFixed(2)}× ms per round; CPU per round: coordinator ${(secure.coordinatorCpuMs / plain.coordinatorCpuMs).toFixed(2)}×, sites ${(secure.sitesCpuMs / plain.sitesCpuMs).toFixed(2)}×, both ${(cpu(secure) / cpu(plain)).toFixed(2)}×`,
  );
}
// A 1.1M delta as encoded: 4 bytes a parameter of the default architecture plus its manifest header.
const weights1M = paramSpecs(resolveModelConfig(MODEL_1M))
  .map((spec) => spec.shape.reduce((a, b) => a * b, 1))
  .reduce((a, b) => a + b, 0);
const passes = passCosts(4 * weights1M + 128);
console.log(
  `\none pass over a ${weights1M}-parameter delta (${((4 * weights1M) / 1e6).toFixed(2)} MB), ms: SHA-256 ${passes.sha256.toFixed(2)}, copy into a fresh buffer ${passes.freshCopy.toFixed(2)}, into a reused one ${passes.reusedCopy.toFixed(2)}`,
);
const goal = rows.find((r) => r.label.startsWith('1M') && r.label.includes(' 10 client'));
if (goal && rows.length === CONFIGURATIONS.length)
  console.log(
    `\ngoal (1M params, 10 sites): ${median(goal.now.perRoundMs).toFixed(0)} ms per round (target ≤ 500), ${(median(goal.now.perRoundMs) / base).toFixed(2)} × tiny/1 site (target ≤ 5)`,
  );
