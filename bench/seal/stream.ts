// Sealing and opening many updates, the way a round does: one update at a time, so memory stays at one
// encoded delta and one sealed copy whatever the count (10M params × 100 updates would be 8 GB held at once).
import { performance } from 'node:perf_hooks';

import { openDelta, sealDelta } from '@fedfuse/crypto';
import { encodeWeights, sha256Hex } from '@fedfuse/protocol';
import { benchParties } from './parties.ts';

/** Totals for `updates` deltas of `params` floats, sealed and opened one after the other. */
export interface StreamResult {
  params: number;
  updates: number;
  bytesEach: number;
  sealMs: number;
  openMs: number;
  wallMs: number;
  peakRssMb: number;
}

/**
 * Seal then open (in place) `updates` deltas of `values` (one encoded payload, a new round id each, so every
 * message has its own context and nonce), checking each opened payload byte for byte.
 */
export async function streamSealOpen(values: Float32Array, updates: number): Promise<StreamResult> {
  const params = values.length;
  const { site, coordinator, manifest } = benchParties(params);
  const payload = encodeWeights({ manifest, values });
  const modelHash = await sha256Hex(payload);
  const expected = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  let sealMs = 0;
  let openMs = 0;
  const started = performance.now();
  for (let k = 0; k < updates; k++) {
    const context = { siteId: 'bench-site', roundId: `round-${k}`, stage: 'fit', modelHash };
    const t0 = performance.now();
    const { sealed } = sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload });
    const t1 = performance.now();
    // In place, as the coordinator opens a submitted transfer: the sealed copy is not needed afterwards.
    const opened = openDelta({
      coordinator,
      siteBoxKey: site.boxPublicKey,
      expected: context,
      sealed,
      inPlace: true,
    });
    openMs += performance.now() - t1;
    sealMs += t1 - t0;
    if (!opened.ok) throw new Error(`bench self-check failed: update ${k}: ${opened.error.message}`);
    const got = opened.data.payload;
    if (!expected.equals(Buffer.from(got.buffer, got.byteOffset, got.byteLength)))
      throw new Error(`bench self-check failed: update ${k} changed in transit`);
  }
  const wallMs = performance.now() - started;
  site.close();
  coordinator.close();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return { params, updates, bytesEach: payload.byteLength, sealMs, openMs, wallMs, peakRssMb };
}

/** Table rows: aggregate MB/s over all updates, total seconds, and the process's peak RSS so far. */
export function formatStream(results: readonly StreamResult[]): string[] {
  const head = [
    'params × updates',
    'MB',
    'seal s',
    'seal MB/s',
    'open s',
    'open MB/s',
    'total s',
    'peak RSS MB',
  ];
  const widths = [18, 9, 9, 11, 9, 11, 9, 13];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join('');
  const lines = [
    'Streamed: seal and open N updates one at a time (encoded MB = 10^6 bytes, summed over N)',
    `  ${line(head)}`,
  ];
  for (const r of results) {
    const mb = (r.bytesEach * r.updates) / 1e6;
    lines.push(
      `  ${line([
        `${r.params / 1e6}M × ${r.updates}`,
        mb.toFixed(0),
        (r.sealMs / 1000).toFixed(1),
        (mb / (r.sealMs / 1000)).toFixed(1),
        (r.openMs / 1000).toFixed(1),
        (mb / (r.openMs / 1000)).toFixed(1),
        (r.wallMs / 1000).toFixed(1),
        r.peakRssMb.toFixed(0),
      ])}`,
    );
  }
  return lines;
}
