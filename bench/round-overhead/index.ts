// Round overhead: everything in a round except local training and evaluation (weights out in
// chunks, sealing, upload, opening, validation, persistence, aggregation, atomic checkpoint,
// database commit). Sites are real protocol peers over real sockets whose "training" is instant.
// Usage: pnpm bench:round [--rounds N]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { tinyModel } from '@fedfuse/coordinator/testing/harness';
import { freePort, operatorRest } from '@fedfuse/coordinator/testing/operator-rest';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const TOKEN = 'bench-operator-token-0123456789';
// ~1M parameters: the default architecture with a 1,500-gene panel.
const MODEL_1M = { genomicsDim: 1500 };

function api<T>(port: number, request: string, body?: unknown): Promise<T> {
  return operatorRest(port, TOKEN)<T>(request, body);
}

interface RoundTiming {
  number: number;
  startedAt: number;
  finishedAt: number;
}

async function measure(options: {
  clients: number;
  model: object;
}): Promise<{ params: number; perRoundMs: number[] }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-bench-round-'));
  const child = spawn(process.execPath, [COORDINATOR_BIN, '--data', dataDir, '--port', String(port)], {
    env: { ...process.env, FEDFUSE_TICK_MS: '20', FEDFUSE_OPERATOR_TOKEN: TOKEN },
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
      site.autoTrain = { delta: (g) => g.map((w) => w * 1e-3), numExamples: 10 + k };
      site.keepAlive({ retryMs: 50 });
    }
    const run = await api<{ runId: string; config: { model: unknown } }>(port, 'POST /api/runs', {
      name: 'bench',
      rounds: ROUNDS,
      minClients: options.clients,
      model: options.model,
    });
    await api(port, `POST /api/runs/${run.runId}/start`);
    for (let i = 0; i < 6000; i++) {
      const state = (await api<{ state: string }>(port, `GET /api/runs/${run.runId}`)).state;
      if (state === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const rounds = await api<RoundTiming[]>(port, `GET /api/runs/${run.runId}/rounds`);
    const manifest = (sites[0]!.received[0]!.model.manifest as { numParams: number }).numParams;
    return { params: manifest, perRoundMs: rounds.map((r) => r.finishedAt - r.startedAt) };
  } finally {
    sites.forEach((s) => s.close());
    child.kill('SIGKILL');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `round overhead (no training, no evaluation work), ${ROUNDS} rounds each, median per round; coordinator in its own process`,
);
const results: [string, number, number][] = [];
for (const [label, model] of [
  ['tiny', tinyModel],
  ['1M', { ...MODEL_1M }],
] as const) {
  for (const clients of [1, 10]) {
    const { params, perRoundMs } = await measure({ clients, model });
    results.push([
      `${label} model (${params.toLocaleString('en')} params), ${clients} client(s)`,
      median(perRoundMs),
      params,
    ]);
    console.log(
      `  ${results.at(-1)![0]}: ${median(perRoundMs).toFixed(0)} ms per round (${perRoundMs.map((m) => m.toFixed(0)).join(', ')})`,
    );
  }
}
const base = results[0]![1];
console.log('\n| configuration | ms per round | × tiny/1 client |\n|---|---|---|');
for (const [label, ms] of results) console.log(`| ${label} | ${ms.toFixed(0)} | ${(ms / base).toFixed(2)} |`);
