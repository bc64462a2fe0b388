// Load time and peak memory of one generated site, against the process's memory before the
// load and the raw size of the site's files. Usage: pnpm bench:load [--patients 5000] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate, loadSite } from '@fedfuse/data';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    orientation: { type: 'string', default: 'samples-by-genes' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

const MB = 1024 * 1024;

/** What the child process measured around one `loadSite` call. */
interface Measurement {
  seconds: number;
  patients: number;
  batchBytes: number;
  baseline: NodeJS.MemoryUsage;
  peak: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  maxRssKb: number;
  rejected: number;
}

/** Samples memory every 5 ms (and on `stop`), keeping the highest value of each figure. */
function startSampler(baseline: NodeJS.MemoryUsage): { stop: () => Measurement['peak'] } {
  const peak = {
    rss: baseline.rss,
    heapUsed: baseline.heapUsed,
    external: baseline.external,
    arrayBuffers: baseline.arrayBuffers,
  };
  const sample = (): void => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

async function measureLoad(config: string): Promise<Measurement> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage();
  const sampler = startSampler(baseline);
  const started = performance.now();
  const site = await loadSite({ config });
  const seconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  const batches = [site.train.batch, site.validation.batch, site.test.batch];
  const batchBytes = batches.reduce(
    (s, b) =>
      s +
      b.ehr.byteLength +
      b.image.byteLength +
      b.genomics.byteLength +
      b.present.byteLength +
      b.labels.byteLength,
    0,
  );
  return {
    seconds,
    patients: site.train.batch.n + site.validation.batch.n + site.test.batch.n,
    batchBytes,
    baseline,
    peak,
    maxRssKb: process.resourceUsage().maxRSS,
    rejected: site.report.rejected.length,
  };
}

async function sizeOnDisk(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
    files += 1;
  }
  return { bytes, files };
}

function report(m: Measurement, disk: { bytes: number; files: number }, patients: number): void {
  const mb = (b: number): string => `${(b / MB).toFixed(1)} MB`;
  const ratio = (b: number, of: number): string => `${(b / of).toFixed(2)}×`;
  const growth = m.maxRssKb * 1024 - m.baseline.rss;
  console.log(`site: ${patients} patients generated, ${m.patients} loaded, ${m.rejected} rejected rows`);
  console.log(`files on disk: ${disk.files} files, ${mb(disk.bytes)}`);
  console.log(
    `decoded batch arrays (train + test): ${mb(m.batchBytes)} (${ratio(m.batchBytes, disk.bytes)} the files)`,
  );
  console.log(
    `load time: ${m.seconds.toFixed(2)} s (${(m.patients / m.seconds).toFixed(0)} patients/s, ${(disk.bytes / MB / m.seconds).toFixed(1)} MB/s)`,
  );
  console.log(
    `baseline before loading: RSS ${mb(m.baseline.rss)}, heap ${mb(m.baseline.heapUsed)}, array buffers ${mb(m.baseline.arrayBuffers)}`,
  );
  console.log(
    `peak while loading: RSS ${mb(m.maxRssKb * 1024)} (sampled ${mb(m.peak.rss)}), heap ${mb(m.peak.heapUsed)}, array buffers ${mb(m.peak.arrayBuffers)}`,
  );
  console.log(
    `RSS growth: ${mb(growth)} = ${ratio(growth, disk.bytes)} the files on disk, ${ratio(growth, m.batchBytes)} the decoded batch`,
  );
  console.log(
    `heap growth: ${mb(m.peak.heapUsed - m.baseline.heapUsed)} = ${ratio(m.peak.heapUsed - m.baseline.heapUsed, disk.bytes)} the files on disk`,
  );
}

async function main(): Promise<void> {
  if (args.child !== undefined) {
    console.log(JSON.stringify(await measureLoad(args.child)));
    return;
  }
  const patients = Number(args.patients);
  const dir = await mkdtemp(join(tmpdir(), 'fedfuse-bench-load-'));
  try {
    const t0 = performance.now();
    const orientation = args.orientation === 'genes-by-samples' ? 'genes-by-samples' : 'samples-by-genes';
    const fed = await generate({
      outDir: dir,
      seed: Number(args.seed),
      sites: 1,
      patientsPerSite: patients,
      genomicsOrientation: orientation,
    });
    const site = fed.sites[0];
    if (!site) throw new Error('generator wrote no site');
    console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (${orientation}) at ${dir}`);
    const disk = await sizeOnDisk(site.dir);
    // A fresh process, so peak RSS reflects the load alone and not the generator before it.
    const script = fileURLToPath(import.meta.url);
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, '--expose-gc', script, '--child', site.config],
      {
        encoding: 'utf8',
        maxBuffer: 16 * MB,
      },
    );
    if (child.status !== 0) throw new Error(`load process failed: ${child.stderr}`);
    const lines = child.stdout.trim().split('\n');
    report(JSON.parse(lines[lines.length - 1] ?? '{}') as Measurement, disk, patients);
  } finally {
    if (args.keep) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
