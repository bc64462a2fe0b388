// Global-model download: a 1.1M-parameter model to 1 and 10 sites at once, stop-and-wait (a window of 1
// chunk in flight, what every site got before) against pipelined windows, on loopback and with a delay
// held before every chunk ack (the latency of a long link or a proxy). The coordinator runs in its own
// process; sites are real protocol peers over real sockets, fetching concurrently.
// Usage: pnpm bench:download [--repeats N] [--delay-ms D]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { tinyModel } from '@fedfuse/coordinator/testing/harness';
import { freePort, operatorRest } from '@fedfuse/coordinator/testing/operator-rest';
import type { FitIns } from '@fedfuse/protocol';
import { DEFAULT_CHUNK_WINDOW, MAX_CHUNK_WINDOW } from '@fedfuse/protocol';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    'delay-ms': { type: 'string', default: '20' },
  },
});
const REPEATS = Number(values.repeats);
const DELAY_MS = Number(values['delay-ms']);
const TOKEN = 'bench-operator-token-0123456789';
// ~1.1M parameters, every field explicit so no site has to report a data schema first.
const MODEL_1M = { ...tinyModel, genomicsDim: 1500, genomicsHidden: 360 };
const WINDOWS = [1, DEFAULT_CHUNK_WINDOW, MAX_CHUNK_WINDOW];
const SITE_COUNTS = [1, 10];

const api = <T>(port: number, request: string, body?: unknown) => operatorRest(port, TOKEN)<T>(request, body);

async function startCoordinator(): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-bench-download-'));
  const child = spawn(process.execPath, [COORDINATOR_BIN, '--data', dataDir, '--port', String(port)], {
    env: { ...process.env, FEDFUSE_TICK_MS: '200', FEDFUSE_OPERATOR_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve()),
  );
  return { port, stop: () => child.kill('SIGKILL') };
}

async function enrolledSites(port: number, count: number): Promise<TestSite[]> {
  const sites: TestSite[] = [];
  for (let k = 0; k < count; k++) {
    const token = await api<{ token: string }>(port, 'POST /api/tokens', {
      label: `s${k}`,
      autoApprove: true,
    });
    const site = new TestSite(`http://127.0.0.1:${port}`, `Site ${k}`);
    await site.enroll(token.token);
    const connected = await site.handshake();
    if (!connected.ok) throw new Error(connected.error.message);
    sites.push(site);
  }
  return sites;
}

/** Starts a run so the coordinator builds and signs the model; the first site's instruction names it. */
async function modelInstruction(port: number, site: TestSite): Promise<FitIns> {
  const run = await api<{ runId: string }>(port, 'POST /api/runs', {
    name: 'bench-download',
    rounds: 1,
    minClients: 1,
    model: MODEL_1M,
    // No site trains: the round only has to stay open while the bench downloads its model.
    roundTimeoutSeconds: 3600,
  });
  await api(port, `POST /api/runs/${run.runId}/start`);
  for (let i = 0; i < 600 && !site.received[0]; i++) await new Promise((r) => setTimeout(r, 100));
  if (!site.received[0]) throw new Error('no round instruction within 60 s');
  return site.received[0];
}

/** Milliseconds until every site has the whole, verified model. */
async function downloadAll(
  sites: TestSite[],
  ins: FitIns,
  options: { window: number; ackDelayMs: number },
): Promise<number> {
  const started = performance.now();
  await Promise.all(sites.map((site) => site.fetchWeights(ins, options)));
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const coordinator = await startCoordinator();
try {
  const sites = await enrolledSites(coordinator.port, Math.max(...SITE_COUNTS));
  const ins = await modelInstruction(coordinator.port, sites[0]!);
  const { numParams } = ins.model.manifest;
  const { totalBytes, chunkCount } = ins.model.weights;
  console.log(
    `model download: ${numParams.toLocaleString('en')} params, ${(totalBytes / 2 ** 20).toFixed(1)} MiB in ${chunkCount} chunks; ` +
      `median of ${REPEATS}, modes interleaved; coordinator in its own process`,
  );
  const rows: string[] = [];
  for (const ackDelayMs of [0, DELAY_MS]) {
    for (const count of SITE_COUNTS) {
      const timings = new Map<number, number[]>(WINDOWS.map((w) => [w, []]));
      for (let r = 0; r < REPEATS; r++) {
        for (const window of WINDOWS) {
          timings.get(window)!.push(await downloadAll(sites.slice(0, count), ins, { window, ackDelayMs }));
        }
      }
      const base = median(timings.get(1)!);
      const cells = WINDOWS.map((w) => median(timings.get(w)!));
      const ratios = cells.slice(1).map((ms) => `${(base / ms).toFixed(2)}×`);
      rows.push(
        `| ${count} | ${ackDelayMs} ms | ${cells.map((ms) => ms.toFixed(0)).join(' | ')} | ${ratios.join(' | ')} |`,
      );
      console.log(`  ${rows.at(-1)}`);
    }
  }
  const windowHeads = WINDOWS.map((w) => (w === 1 ? 'W=1 (stop-and-wait) ms' : `W=${w} ms`));
  const ratioHeads = WINDOWS.slice(1).map((w) => `speed-up W=${w}`);
  console.log(`\n| sites | ack delay | ${[...windowHeads, ...ratioHeads].join(' | ')} |`);
  console.log(`|${'---|'.repeat(2 + windowHeads.length + ratioHeads.length)}`);
  for (const row of rows) console.log(row);
  sites.forEach((s) => s.close());
} finally {
  coordinator.stop();
}
