import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Haystack } from './privacy-scan.ts';
import { recordedHaystacks } from './privacy-scan.ts';
import type { UpdateNeedle } from './update-scan.ts';
import { WINDOW_BYTES, findUpdateLeaks, scannableWindows } from './update-scan.ts';

/** What a daemon's test-only hook (FEDFUSE_TEST_DUMP_SECAGG_UPDATES) wrote for one secure round. */
export interface UpdateDump {
  siteId: string;
  roundId: string;
  numExamples: number;
  groupExamples: Record<string, number>;
  layout: { length: number; groups: { name: string; ranges: { offset: number; length: number }[] }[] };
  delta: Buffer;
  quantised: Buffer;
}

/** Every round's dump in each folder (a daemon killed before masking left none for that round). */
export function readDumps(dirs: readonly string[]): UpdateDump[] {
  const dumps: UpdateDump[] = [];
  for (const dir of dirs.filter((d) => existsSync(d)))
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const roundId = file.slice(0, -'.json'.length);
      if (!existsSync(join(dir, `${roundId}.quantised.u32`))) continue;
      const meta = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<
        UpdateDump,
        'delta' | 'quantised'
      >;
      dumps.push({
        ...meta,
        delta: readFileSync(join(dir, `${roundId}.delta.f32`)),
        quantised: readFileSync(join(dir, `${roundId}.quantised.u32`)),
      });
    }
  return dumps;
}

/** Every plain file under `dir` (database, WAL, round files, checkpoints), named by its path. */
function allFiles(dir: string): Haystack[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort()
    .map((path) => ({ name: `coordinator/${path}`, bytes: readFileSync(join(dir, path)) }));
}

function needlesOf(dumps: readonly UpdateDump[]): UpdateNeedle[] {
  return dumps.flatMap((d) => [
    { kind: 'update (float32)' as const, label: `${d.siteId} ${d.roundId}`, bytes: d.delta },
    { kind: 'update (quantised)' as const, label: `${d.siteId} ${d.roundId}`, bytes: d.quantised },
  ]);
}

/**
 * No 64-byte window of any single site's update (float32 delta, quantised words) is in the coordinator's
 * inbound recording or in any file under its data folder; and the same scan does find one planted at an
 * unaligned offset in those very files, so an empty result is not a scan that cannot see.
 */
export function expectNoSiteUpdate(args: { dumps: readonly UpdateDump[]; record: string; dataDir: string }) {
  const needles = needlesOf(args.dumps);
  // The needles mean something: most of each update's windows are varied enough to be scanned.
  const share = needles.map(
    (n) => scannableWindows(n.bytes).length / (n.bytes.length / 4 - WINDOW_BYTES / 4 + 1),
  );
  console.info(`scannable 64-byte windows per needle: ${share.map((s) => s.toFixed(2)).join(' ')}`);
  expect(needles.filter((_, k) => share[k]! < 0.5).map((n) => `${n.kind} ${n.label}`)).toEqual([]);
  const files = allFiles(args.dataDir);
  expect(files.some((f) => f.name.endsWith('.sqlite') || f.name.endsWith('.db'))).toBe(true);
  const haystacks = [...recordedHaystacks(args.record), ...files];
  expect(haystacks.reduce((s, h) => s + h.bytes.length, 0)).toBeGreaterThan(args.dumps[0]!.quantised.length);
  expect(findUpdateLeaks(needles, haystacks)).toEqual([]);

  // Planted: 100 bytes of one site's float32 delta and of its quantised words, at odd offsets of a real file.
  const [site] = args.dumps;
  const host = files.find((f) => f.bytes.length > 1000)!;
  const planted = Buffer.concat([
    host.bytes.subarray(0, 333),
    site!.delta.subarray(40, 140),
    host.bytes.subarray(333, 777),
    site!.quantised.subarray(40, 140),
    host.bytes.subarray(777),
  ]);
  const found = findUpdateLeaks(needles, [{ name: 'planted', bytes: planted }]);
  expect(found.map((l) => `${l.kind} ${l.label}`).sort()).toEqual(
    needlesOf([site!])
      .map((n) => `${n.kind} ${n.label}`)
      .sort(),
  );
}

/**
 * The committed model of `round` = the previous checkpoint + modality-aware FedAvg of the survivors' own
 * deltas (Σ n_g·δ / Σ n_g per group), within the round's reported quantisation bound.
 */
export async function expectAggregateIsFedAvg(args: {
  /** A committed round's model as the operator downloads it (the checkpoint's weights.bin). */
  weightsOf: (round: number) => Promise<Float32Array>;
  round: number;
  dumps: readonly UpdateDump[];
  errorBound: number;
}): Promise<void> {
  const before = await args.weightsOf(args.round - 1);
  const after = await args.weightsOf(args.round);
  const { layout } = args.dumps[0]!;
  expect(before.length).toBe(layout.length);
  const deltas = args.dumps.map((d) => new Float32Array(d.delta.buffer, d.delta.byteOffset, layout.length));
  let worst = 0;
  for (const group of layout.groups) {
    const counts = args.dumps.map((d) => d.groupExamples[group.name] ?? d.numExamples);
    const total = counts.reduce((a, b) => a + b, 0);
    for (const { offset, length } of group.ranges)
      for (let i = offset; i < offset + length; i++) {
        const mean = total === 0 ? 0 : deltas.reduce((s, delta, k) => s + delta[i]! * counts[k]!, 0) / total;
        worst = Math.max(worst, Math.abs(after[i]! - (before[i]! + mean)));
      }
  }
  const largest = deltas.reduce((m, d) => Math.max(m, ...d.map(Math.abs)), 0);
  console.info(
    `round ${args.round}: worst |model − (previous + FedAvg)| ${worst.toExponential(2)}, errorBound ${args.errorBound.toExponential(2)}, largest |delta| ${largest.toExponential(2)}`,
  );
  expect(args.errorBound).toBeGreaterThan(0);
  expect({ round: args.round, worst: worst <= args.errorBound + 1e-6 }).toEqual({
    round: args.round,
    worst: true,
  });
  expect(after.some((w, i) => w !== before[i])).toBe(true);
}
