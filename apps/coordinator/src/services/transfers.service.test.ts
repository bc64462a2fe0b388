import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkTransfer } from '@fedfuse/protocol';
import type { TransferChunk } from '@fedfuse/protocol';
import type { Database } from '../persistence/database.ts';
import { openDatabase } from '../persistence/database.ts';
import { AuditRepository } from '../repositories/audit.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { AuditService } from './audit.service.ts';
import { systemClock } from './clock.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';
import { TransfersService } from './transfers.service.ts';

let database: Database;
let transfers: TransfersService;
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedfuse-transfers-'));
  database = await openDatabase({ sqlitePath: join(dir, 'coordinator.sqlite') });
  const audit = new AuditService(new AuditRepository(database), new OpsBroadcaster(), systemClock);
  transfers = new TransfersService(
    new RunsRepository(database),
    new RoundsRepository(database),
    audit,
    systemClock,
  );
});
afterEach(async () => {
  await database.close();
});

const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

/** Uploads `bytes` in 100-byte chunks the way a site in a secure round does; `corrupt` flips a byte on the way. */
async function upload(bytes: Uint8Array, corrupt = false, siteId = 'site-a') {
  const transfer = await chunkTransfer(bytes, { chunkBytes: 100, chunkDigests: false });
  for (const chunk of transfer.chunks()) {
    const sent: TransferChunk = { ...chunk, data: chunk.data.slice() };
    if (corrupt && chunk.index === 1) sent.data[0]! ^= 1;
    expect((await transfers.push(siteId, sent, true)).ok).toBe(true);
  }
  return transfer.ref;
}

describe('TransfersService.take', () => {
  it('hands over bytes that hash to the transfer, and refuses others as hash_mismatch', async () => {
    const bytes = bytesOf(250);
    expect(transfers.take('site-a', await upload(bytes))).toEqual({ ok: true, data: bytes });
    const corrupt = await upload(bytes, true);
    expect(transfers.take('site-a', corrupt)).toMatchObject({
      ok: false,
      error: {
        code: 'hash_mismatch',
        message: expect.stringMatching(/hashes to [0-9a-f]{64}, but/) as string,
      },
    });
    expect(transfers.take('site-a', corrupt)).toMatchObject({
      ok: false,
      error: { code: 'unknown_transfer' },
    });
  });

  it('lends a released buffer to one transfer at a time, whose chunks land in it as they arrive', async () => {
    const first = transfers.take('site-a', await upload(bytesOf(250)));
    if (!first.ok) throw new Error(first.error.message);
    transfers.release(first.data);
    // Two uploads in flight, chunk by chunk in turn: one gets the kept buffer, the other keeps its chunks.
    const a = await chunkTransfer(
      bytesOf(250).map((b) => b ^ 0x55),
      { chunkBytes: 100, chunkDigests: false },
    );
    const b = await chunkTransfer(
      bytesOf(250).map((b) => b ^ 0xaa),
      { chunkBytes: 100, chunkDigests: false },
    );
    const chunksOfB = [...b.chunks()];
    for (const [index, chunk] of [...a.chunks()].entries()) {
      expect((await transfers.push('site-a', { ...chunk, data: chunk.data.slice() }, true)).ok).toBe(true);
      expect(
        (await transfers.push('site-b', { ...chunksOfB[index]!, data: chunksOfB[index]!.data.slice() }, true))
          .ok,
      ).toBe(true);
    }
    const takenA = transfers.take('site-a', a.ref);
    const takenB = transfers.take('site-b', b.ref);
    expect(takenA.ok && takenA.data).toBe(first.data); // the released buffer, reused
    expect(takenA.ok && takenA.data).toEqual(bytesOf(250).map((x) => x ^ 0x55));
    expect(takenB.ok && takenB.data.buffer).not.toBe(first.data.buffer);
    expect(takenB.ok && takenB.data).toEqual(bytesOf(250).map((x) => x ^ 0xaa));
  });

  it('does not hash for a caller that authenticates every byte itself (a sealed box), corrupt or not', async () => {
    const bytes = bytesOf(250);
    const corrupt = await upload(bytes, true);
    const taken = transfers.take('site-a', corrupt, true);
    expect(taken.ok).toBe(true);
    expect(taken.ok && taken.data[100]).toBe(bytes[100]! ^ 1); // the box's tag, not this, refuses it
  });
});
