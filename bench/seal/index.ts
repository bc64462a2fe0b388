// pnpm bench:seal — throughput of sealing/opening weight deltas and of chunked transfer, against SHA-256
// (node:crypto) over the same bytes in the same process, for 1.1M (the default model's delta, ~4.4 MB) and
// 10M float32 parameters: both sealing candidates (candidates.ts) and today's format; then sealing and
// opening 10 and 100 updates of each size, streamed one at a time (stream.ts). `--stream-only` runs just that
// table, `--no-stream` skips it (10M × 100 seals and opens 4 GB: minutes on a small machine).
//
// The bench is not a workspace package, so it imports the two packages through their index files by path.
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';

import { openDelta, sealDelta } from '@fedfuse/crypto';
import { candidateRows, v2FixedCostMs } from './candidates.ts';
import {
  ChunkReassembler,
  MAX_TRANSFER_BYTES,
  chunkTransfer,
  decodeWeights,
  encodeWeights,
  sha256Hex,
} from '@fedfuse/protocol';
import type { TransferChunk } from '@fedfuse/protocol';
import type { Measurement } from './timing.ts';
import { formatRows, measure } from './timing.ts';
import { benchParties } from './parties.ts';
import type { StreamResult } from './stream.ts';
import { formatStream, streamSealOpen } from './stream.ts';

const SIZES = [1_100_000, 10_000_000];
const UPDATE_COUNTS = [10, 100];
// More repetitions for the small size: on a loaded machine single runs vary by 10×.
const repsFor = (params: number) => (params < 5_000_000 ? 9 : 3);

/** Deterministic pseudo-random weights (xorshift), so runs are comparable. */
function syntheticDelta(n: number): Float32Array {
  const out = new Float32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 0xffffffff - 0.5) * 1e-2;
  }
  return out;
}

function fail(message: string): never {
  throw new Error(`bench self-check failed: ${message}`);
}

async function benchSize(params: number): Promise<string[]> {
  const { site, siteBoxSecret, coordinator, manifest } = benchParties(params);
  const values = syntheticDelta(params);
  const encoded = encodeWeights({ manifest, values });
  const context = {
    siteId: 'bench-site',
    roundId: 'round-1',
    stage: 'fit',
    modelHash: await sha256Hex(encoded),
  };
  const bytes = encoded.byteLength;
  const reps = repsFor(params);

  const rows: Measurement[] = [];
  const baseline = await measure({
    label: 'SHA-256 (node:crypto, baseline)',
    bytes,
    reps,
    fn: () => createHash('sha256').update(encoded).digest(),
  });
  rows.push(baseline);
  rows.push(
    await measure({
      label: 'encode weights (wire format)',
      bytes,
      reps,
      fn: () => encodeWeights({ manifest, values }),
    }),
  );
  rows.push(
    await measure({
      label: 'decode weights (wire format)',
      bytes,
      reps,
      fn: () => decodeWeights(encoded),
    }),
  );

  const candidates = { site, siteBoxSecret, coordinator, context, payload: encoded, reps };
  rows.push(...(await candidateRows(candidates)));
  const fixedMs = await v2FixedCostMs(candidates);
  const { sealed } = sealDelta({
    site,
    coordinatorBoxKey: coordinator.boxPublicKey,
    context,
    payload: encoded,
  });

  let chunks: TransferChunk[] = [];
  rows.push(
    await measure({
      label: 'chunk encode (hash + 512 KiB slices)',
      bytes: sealed.byteLength,
      reps,
      fn: async () => {
        chunks = [...(await chunkTransfer(sealed)).chunks()];
      },
    }),
  );
  let rebuilt: Uint8Array = new Uint8Array(0);
  rows.push(
    await measure({
      label: 'chunk reassemble (checks + hash)',
      bytes: sealed.byteLength,
      reps,
      fn: async () => {
        const r = new ChunkReassembler({ maxTotalBytes: MAX_TRANSFER_BYTES });
        for (const c of chunks) if (!r.push(c).ok) fail('chunk refused');
        const res = await r.finish();
        if (!res.ok) fail(res.error.message);
        rebuilt = res.data;
      },
    }),
  );

  // End to end, once: what arrived must open and decode to exactly the weights that were sent.
  const opened = openDelta({
    coordinator,
    siteBoxKey: site.boxPublicKey,
    expected: context,
    sealed: rebuilt,
  });
  if (!opened.ok) fail(opened.error.message);
  const decoded = decodeWeights(opened.data.payload);
  if (!decoded.ok) fail(decoded.error.message);
  if (!Buffer.from(decoded.data.values.buffer).equals(Buffer.from(values.buffer)))
    fail('weights changed in transit');
  site.close();
  coordinator.close();

  const title = `${(params / 1e6).toFixed(1)}M parameters (${(bytes / 1e6).toFixed(1)} MB encoded, ${chunks.length} chunks)`;
  const seal = rows.find((m) => m.label.startsWith('(b) v2 seal'))!;
  return [
    ...formatRows(title, rows, baseline),
    `  v2 fixed cost per message (X25519 + HKDF + header, empty payload): ${fixedMs.toFixed(3)} ms, ` +
      `${((100 * fixedMs) / seal.ms).toFixed(1)}% of the v2 seal above`,
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `FedFuse seal bench — Node ${process.version}, ${cpus().length} CPU(s), median and best of ${SIZES.map(repsFor).join('/')} runs, MB = 10^6 bytes, ` +
      `load average ${loadavg()[0]!.toFixed(2)}`,
  );
  const streamOnly = process.argv.includes('--stream-only');
  if (!streamOnly) {
    for (const params of SIZES) {
      for (const line of await benchSize(params)) console.log(line);
    }
  }
  if (!process.argv.includes('--no-stream')) {
    const results: StreamResult[] = [];
    for (const params of SIZES) {
      const values = syntheticDelta(params);
      for (const updates of UPDATE_COUNTS) results.push(await streamSealOpen(values, updates));
    }
    for (const line of formatStream(results)) console.log(line);
  }
  console.log(
    `done in ${((Date.now() - started) / 1000).toFixed(1)} s, load average ${loadavg()[0]!.toFixed(2)}; ` +
      'end-to-end seal → chunk → reassemble → open → decode is bit-exact',
  );
}

await main();
