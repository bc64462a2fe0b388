import type { OptimizerSnapshot } from '@fedfuse/strategy';

/** Optimizer state as bytes: a length-prefixed JSON header, then the Float64 buffers in header order. */
export function encodeSnapshot(snapshot: OptimizerSnapshot): Uint8Array {
  const names = Object.keys(snapshot.state).sort();
  const header = new TextEncoder().encode(
    JSON.stringify({
      kind: snapshot.kind,
      steps: snapshot.steps,
      buffers: names.map((n) => ({ name: n, length: snapshot.state[n]!.length })),
    }),
  );
  const headerBytes = Math.ceil((4 + header.length) / 8) * 8;
  const total = headerBytes + names.reduce((sum, n) => sum + snapshot.state[n]!.length * 8, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let offset = headerBytes;
  for (const name of names) {
    const buffer = snapshot.state[name]!;
    out.set(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), offset);
    offset += buffer.byteLength;
  }
  return out;
}

export function decodeSnapshot(bytes: Uint8Array): OptimizerSnapshot {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as {
    kind: string;
    steps: number;
    buffers: { name: string; length: number }[];
  };
  let offset = Math.ceil((4 + length) / 8) * 8;
  const state: Record<string, Float64Array> = {};
  for (const { name, length: count } of header.buffers) {
    state[name] = new Float64Array(bytes.slice(offset, offset + count * 8).buffer);
    offset += count * 8;
  }
  return { kind: header.kind, steps: header.steps, state };
}
