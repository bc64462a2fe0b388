import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MAX_CHUNK_BYTES, MAX_MESSAGE_BYTES } from '../limits.ts';
import { TransferChunk } from '../transfer.ts';
import { checkChunkDigest } from './chunk-digest.ts';
import { chunkTransfer } from './chunk-encoder.ts';
import { ChunkReassembler } from './chunk-reassembler.ts';

function bytesOf(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function chunksOf(bytes: Uint8Array, chunkBytes: number) {
  const t = await chunkTransfer(bytes, { chunkBytes });
  return { ref: t.ref, chunks: [...t.chunks()] };
}

async function finished(r: ChunkReassembler): Promise<Uint8Array> {
  const res = await r.finish();
  if (!res.ok) throw new Error(res.error.message);
  return res.data;
}

describe('chunked transfer', () => {
  it('reassembles any blob bit-exactly, whatever the sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 1, max: 700 }),
        async (bytes, size) => {
          const { ref, chunks } = await chunksOf(bytes, size);
          const r = new ChunkReassembler({ expected: ref });
          for (const c of chunks) expect(r.push(c).ok).toBe(true);
          expect(await finished(r)).toEqual(bytes);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('cuts a large blob into chunks that each fit the message limit and pass the schema', async () => {
    const { ref, chunks } = await chunksOf(bytesOf(3 * MAX_CHUNK_BYTES + 5), MAX_CHUNK_BYTES);
    expect(ref.chunkCount).toBe(4);
    for (const c of chunks) {
      expect(c.data.byteLength).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
      expect(c.data.byteLength).toBeLessThan(MAX_MESSAGE_BYTES);
      expect(TransferChunk.safeParse(c).success).toBe(true);
    }
  });

  it('sends an empty blob as one empty chunk', async () => {
    const { ref, chunks } = await chunksOf(new Uint8Array(0), 16);
    expect(chunks).toHaveLength(1);
    const r = new ChunkReassembler({ expected: ref });
    expect(r.push(chunks[0]!)).toMatchObject({ ok: true, data: { complete: true } });
    expect(await finished(r)).toEqual(new Uint8Array(0));
  });

  it('accepts chunks reordered within the window', async () => {
    const bytes = bytesOf(100);
    const { chunks } = await chunksOf(bytes, 10);
    const r = new ChunkReassembler({ reorderWindow: 4 });
    for (const i of [1, 0, 3, 2, 5, 4, 7, 6, 9, 8]) expect(r.push(chunks[i]!).ok).toBe(true);
    expect(await finished(r)).toEqual(bytes);
  });

  it('refuses a chunk reordered beyond the window, and the transfer still completes', async () => {
    const bytes = bytesOf(100);
    const { chunks } = await chunksOf(bytes, 10);
    const r = new ChunkReassembler({ reorderWindow: 4 });
    expect(r.push(chunks[4]!)).toMatchObject({ ok: false, error: { code: 'out_of_order' } });
    expect(r.nextIndex).toBe(0);
    for (const c of chunks) expect(r.push(c).ok).toBe(true);
    expect(await finished(r)).toEqual(bytes);
  });

  it('refuses a duplicated chunk without changing state', async () => {
    const { chunks } = await chunksOf(bytesOf(30), 10);
    const r = new ChunkReassembler();
    expect(r.push(chunks[0]!).ok).toBe(true);
    const dup = r.push({ ...chunks[0]!, data: new Uint8Array(10) });
    expect(dup).toMatchObject({
      ok: false,
      error: { code: 'duplicate', message: 'chunk 0 was already received' },
    });
    r.push(chunks[1]!);
    r.push(chunks[2]!);
    expect(await finished(r)).toEqual(bytesOf(30));
  });

  it('refuses to finish with a missing chunk, listing it', async () => {
    const { chunks } = await chunksOf(bytesOf(50), 10);
    const r = new ChunkReassembler();
    for (const c of chunks) if (c.index !== 3) r.push(c);
    expect(r.complete).toBe(false);
    expect(await r.finish()).toMatchObject({
      ok: false,
      error: {
        code: 'incomplete_transfer',
        message: expect.stringContaining('missing 1 of 5 chunks (3)') as string,
      },
    });
    expect(r.nextIndex).toBe(3);
  });

  it('copies a chunk that is a view into a larger packet, so changing the packet later changes nothing', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const r = new ChunkReassembler({ expected: ref });
    const packet = new Uint8Array(200);
    for (const c of chunks) {
      packet.set(c.data, 50);
      expect(r.push({ ...c, data: packet.subarray(50, 50 + c.data.byteLength) }).ok).toBe(true);
      packet.fill(0);
    }
    expect(await finished(r)).toEqual(bytes);
  });

  it('keeps a chunk that owns its whole buffer as it is and still checks the whole hash', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const r = new ChunkReassembler({ expected: ref });
    const owned = chunks.map((c) => ({ ...c, data: c.data.slice() }));
    for (const c of owned) expect(r.push(c).ok).toBe(true);
    expect(await finished(r)).toEqual(bytes);
    const tampered = new ChunkReassembler({ expected: ref });
    for (const c of chunks.map((c) => ({ ...c, data: c.data.slice() }))) {
      expect(tampered.push(c).ok).toBe(true);
      c.data[0] = c.data[0]! ^ 1; // changed after it was accepted: the hash at finish still sees it
    }
    expect((await tampered.finish()).ok).toBe(false);
  });

  it('finishes into a buffer the caller gives when it has the exact length, and still checks the hash', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const into = new Uint8Array(300).fill(0xee);
    const r = new ChunkReassembler({ expected: ref });
    for (const c of chunks) r.push(c);
    const done = await r.finish(into);
    expect(done.ok && done.data).toBe(into);
    expect(into).toEqual(bytes);
    const wrongSize = new Uint8Array(299);
    const other = new ChunkReassembler({ expected: ref });
    for (const c of chunks) other.push(c);
    const fresh = await other.finish(wrongSize);
    expect(fresh.ok && fresh.data).not.toBe(wrongSize);
    expect(fresh.ok && fresh.data).toEqual(bytes);
    const tampered = new ChunkReassembler({ expected: ref });
    for (const c of chunks) tampered.push(c.index === 1 ? { ...c, data: new Uint8Array(100) } : c);
    expect(await tampered.finish(new Uint8Array(300))).toMatchObject({
      ok: false,
      error: { code: 'hash_mismatch' },
    });
  });

  it('copies each chunk into the given buffer on arrival, in any order, keeping none of them', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const into = new Uint8Array(300).fill(0xee);
    const r = new ChunkReassembler({ expected: ref, into });
    for (const c of [chunks[1]!, chunks[0]!, chunks[2]!]) {
      const own = { ...c, data: c.data.slice() }; // a buffer of its own, which the plain path would keep
      expect(r.push(own).ok).toBe(true);
      own.data.fill(0); // the socket layer reusing it: the copy already taken is unaffected
    }
    expect(r.bytesHeld).toBe(300);
    expect(into).toEqual(bytes);
    const done = await r.finish(new Uint8Array(300)); // finish's own buffer is not used: the chunks are in `into`
    expect(done.ok && done.data).toBe(into);
    expect(r.bytesHeld).toBe(0);
  });

  it('takes a whole-transfer buffer at the first accepted chunk and copies every chunk into it on arrival', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const r = new ChunkReassembler({ expected: ref, wholeAtFirstChunk: true });
    expect(r.push({ ...chunks[0]!, totalBytes: 301 }).ok).toBe(false); // refused: nothing taken, nothing held
    expect(r.bytesHeld).toBe(0);
    for (const c of [chunks[2]!, chunks[0]!, chunks[1]!]) {
      const own = { ...c, data: c.data.slice() };
      expect(r.push(own).ok).toBe(true);
      own.data.fill(0); // the chunk's own buffer is not kept: its bytes were copied on arrival
    }
    const done = await r.finish();
    expect(done.ok && done.data).toEqual(bytes);
    const tampered = new ChunkReassembler({ expected: ref, wholeAtFirstChunk: true });
    for (const c of chunks) tampered.push(c.index === 1 ? { ...c, data: new Uint8Array(100) } : c);
    expect(await tampered.finish()).toMatchObject({ ok: false, error: { code: 'hash_mismatch' } });
  });

  it('leaves the given buffer as it was for a refused chunk, and refuses a bad hash at finish', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const into = new Uint8Array(300).fill(0xee);
    const r = new ChunkReassembler({ expected: ref, into });
    expect(r.push({ ...chunks[0]!, data: new Uint8Array(101) }).ok).toBe(false); // too long for its slot
    expect(r.push({ ...chunks[0]!, totalBytes: 301 }).ok).toBe(false); // disagrees with the announcement
    expect(into.every((b) => b === 0xee)).toBe(true);
    for (const c of chunks) r.push(c.index === 2 ? { ...c, data: new Uint8Array(100) } : c);
    expect(await r.finish()).toMatchObject({ ok: false, error: { code: 'hash_mismatch' } });
    const wrongSize = new Uint8Array(299);
    const ignored = new ChunkReassembler({ expected: ref, into: wrongSize });
    for (const c of chunks) ignored.push(c);
    const fresh = await ignored.finish();
    expect(fresh.ok && fresh.data).not.toBe(wrongSize);
    expect(fresh.ok && fresh.data).toEqual(bytes);
  });

  it('leaves the whole hash to the caller when told to, and still refuses an incomplete transfer', async () => {
    const bytes = bytesOf(300);
    const { ref, chunks } = await chunksOf(bytes, 100);
    const r = new ChunkReassembler({ expected: ref, verifyHash: false });
    for (const c of chunks) r.push(c.index === 1 ? { ...c, data: new Uint8Array(100) } : c);
    const done = await r.finish();
    expect(done.ok && done.data.subarray(100, 200)).toEqual(new Uint8Array(100)); // the caller authenticates
    const partial = new ChunkReassembler({ expected: ref, verifyHash: false });
    partial.push(chunks[0]!);
    expect(await partial.finish()).toMatchObject({ ok: false, error: { code: 'incomplete_transfer' } });
  });

  it('takes the whole hash from the caller when given, instead of hashing again', async () => {
    const bytes = bytesOf(300);
    const hashed = await chunkTransfer(bytes, { chunkBytes: 100 });
    const named = await chunkTransfer(bytes, { chunkBytes: 100, sha256: 'ab'.repeat(32) });
    expect(named.ref.sha256).toBe('ab'.repeat(32));
    expect({ ...named.ref, sha256: hashed.ref.sha256, transferId: '' }).toEqual({
      ...hashed.ref,
      transferId: '',
    });
  });

  it('refuses a chunk whose payload is longer than its slot', async () => {
    const { chunks } = await chunksOf(bytesOf(25), 10);
    const r = new ChunkReassembler();
    const last = chunks[2]!;
    const res = r.push({ ...last, data: new Uint8Array(10) });
    expect(res).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(!res.ok && res.error.message).toBe('chunk 2 has 10 bytes, expected 5');
  });

  it('refuses a transfer larger than the limit before allocating it', async () => {
    const { chunks } = await chunksOf(bytesOf(100), 10);
    const r = new ChunkReassembler({ maxTotalBytes: 99 });
    expect(r.push(chunks[0]!)).toMatchObject({
      ok: false,
      error: { code: 'payload_too_large', message: 'transfer of 100 bytes exceeds the 99-byte limit' },
    });
  });

  it('refuses chunks whose header disagrees with earlier chunks or the announced transfer', async () => {
    const { ref, chunks } = await chunksOf(bytesOf(30), 10);
    const r = new ChunkReassembler();
    r.push(chunks[0]!);
    expect(r.push({ ...chunks[1]!, sha256: '0'.repeat(64) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringContaining('sha256 is 000') as string },
    });
    const announced = new ChunkReassembler({ expected: { ...ref, transferId: crypto.randomUUID() } });
    const res = announced.push(chunks[0]!);
    expect(!res.ok && res.error.message).toContain('transferId is');
    expect(!res.ok && res.error.message).toContain('but the announced transfer said');
  });

  it('refuses a transfer whose bytes do not hash to the announced SHA-256', async () => {
    const { chunks } = await chunksOf(bytesOf(30), 10);
    const r = new ChunkReassembler();
    const tampered = chunks[1]!.data.slice();
    tampered[3] = tampered[3]! ^ 1;
    r.push(chunks[0]!);
    r.push({ ...chunks[1]!, data: tampered });
    r.push(chunks[2]!);
    expect(await r.finish()).toMatchObject({ ok: false, error: { code: 'hash_mismatch' } });
  });

  it('resumes from an index, e.g. after a reconnect', async () => {
    const bytes = bytesOf(95);
    const t = await chunkTransfer(bytes, { chunkBytes: 10 });
    const r = new ChunkReassembler({ expected: t.ref });
    for (const c of t.chunks()) if (c.index < 4) r.push(c);
    for (const c of t.chunks(r.nextIndex)) expect(r.push(c).ok).toBe(true);
    expect(await finished(r)).toEqual(bytes);
  });

  it('yields chunks as views of the blob, not copies', async () => {
    const bytes = bytesOf(25);
    const { chunks } = await chunksOf(bytes, 10);
    expect(chunks.map((c) => [c.data.buffer === bytes.buffer, c.data.byteOffset])).toEqual([
      [true, 0],
      [true, 10],
      [true, 20],
    ]);
  });

  it('leaves chunk hashes out when asked (uploads), and the whole hash still refuses a corrupt chunk', async () => {
    const bytes = bytesOf(25);
    const t = await chunkTransfer(bytes, { chunkBytes: 10, chunkDigests: false });
    const chunks = [...t.chunks()];
    expect(chunks.map((c) => c.chunkSha256)).toEqual([undefined, undefined, undefined]);
    expect(t.ref.sha256).toBe((await chunkTransfer(bytes, { chunkBytes: 10 })).ref.sha256);
    const r = new ChunkReassembler({ expected: t.ref });
    const tampered = chunks[1]!.data.slice();
    tampered[0]! ^= 0x01;
    for (const c of [chunks[0]!, { ...chunks[1]!, data: tampered }, chunks[2]!])
      expect(r.push(c).ok).toBe(true);
    expect(await r.finish()).toMatchObject({ ok: false, error: { code: 'hash_mismatch' } });
  });

  it('refuses bad chunk sizes when encoding', async () => {
    await expect(chunkTransfer(bytesOf(4), { chunkBytes: MAX_CHUNK_BYTES + 1 })).rejects.toThrow(
      /chunkBytes/,
    );
    await expect(chunkTransfer(bytesOf(4), { chunkBytes: 0 })).rejects.toThrow(/chunkBytes/);
  });

  it('gives every chunk its own hash, so a corrupt chunk is refused on arrival, named', async () => {
    const { chunks } = await chunksOf(bytesOf(25), 10);
    for (const c of chunks) expect(await checkChunkDigest(c)).toEqual({ ok: true, data: undefined });
    const tampered = chunks[1]!.data.slice();
    tampered[3]! ^= 0x01;
    const refused = await checkChunkDigest({ ...chunks[1]!, data: tampered });
    expect(refused).toMatchObject({ ok: false, error: { code: 'hash_mismatch' } });
    expect(refused.ok || refused.error.message).toMatch(/^chunk 1 of transfer .* hashes to [0-9a-f]{64}/);
    // A sender that sends no chunk hash is still covered by the whole transfer's hash.
    const { chunkSha256: _, ...unhashed } = chunks[1]!;
    expect((await checkChunkDigest({ ...unhashed, data: tampered })).ok).toBe(true);
  });

  it('is finished only once', async () => {
    const { chunks } = await chunksOf(bytesOf(5), 10);
    const r = new ChunkReassembler();
    r.push(chunks[0]!);
    await finished(r);
    expect(r.push(chunks[0]!)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect((await r.finish()).ok).toBe(false);
  });
});
