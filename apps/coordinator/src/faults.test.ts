import { afterEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@nestjs/common';
import type { AuditEntry } from '@fedfuse/protocol';
import { FlEvent, MAX_CHUNK_BYTES, MAX_MESSAGE_BYTES } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel, waitFor } from './testing/harness.ts';
import { storedUpdates } from './testing/stored-updates.ts';
import { TestSite } from './testing/test-site.ts';

let harness: Harness | undefined;
const sites: TestSite[] = [];
afterEach(async () => {
  sites.splice(0).forEach((s) => s.close());
  await harness?.close();
  harness = undefined;
});

async function site(h: Harness, options: { name: string; autoApprove?: boolean }): Promise<TestSite> {
  const token = await h.api<{ token: string }>('POST', '/api/tokens', {
    label: options.name,
    autoApprove: options.autoApprove ?? true,
  });
  const created = new TestSite(h.coordinator.url, options.name);
  sites.push(created);
  expect((await created.enroll(token.body.token)).ok).toBe(true);
  expect((await created.handshake()).ok).toBe(true);
  return created;
}

/** The newest refusal audited with `code`, if any. */
async function audited(h: Harness, code: string): Promise<AuditEntry | undefined> {
  const entries = (await h.api<AuditEntry[]>('GET', '/api/audit?action=round.update_rejected')).body;
  return entries.find((e) => e.details.code === code);
}

async function rejections(h: Harness) {
  return (await h.api<{ code: string }[]>('GET', '/api/audit?action=round.update_rejected')).body;
}

describe('the coordinator refuses, logs and stores nothing for', () => {
  it('a tampered sealed delta, a delta for the wrong round, a duplicate, and an oversized chunk', async () => {
    harness = await startHarness();
    const a = await site(harness, { name: 'A' });
    await site(harness, { name: 'B' });
    const run = await harness.api<{ runId: string }>('POST', '/api/runs', {
      name: 'faults',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
    });
    await harness.api('POST', `/api/runs/${run.body.runId}/start`);
    const ins = await waitFor(() => a.received[0]);
    const global = await a.fetchWeights(ins);
    const delta = global.map(() => 0.5);

    expect(await a.submit(ins, { delta, numExamples: 5, tamper: true })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
    // Sealed for another round but submitted for this one: the binding inside the box gives it away.
    expect(
      await a.submit(ins, { delta, numExamples: 5, roundId: '22222222-2222-4222-8222-222222222222' }),
    ).toMatchObject({ ok: false, error: { code: 'wrong_round' } });
    expect(
      await a.submit({ ...ins, roundId: '22222222-2222-4222-8222-222222222222' }, { delta, numExamples: 5 }),
    ).toMatchObject({ ok: false, error: { code: 'wrong_round' } });
    const nan = delta.slice();
    nan[3] = Number.NaN;
    expect(await a.submit(ins, { delta: nan, numExamples: 5 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringMatching(/non_finite/) as unknown },
    });
    // Declared and carried over the chunk limit, though under the transport's: refused as too large,
    // audited with the site, and nothing of it kept.
    const chunkBytes = MAX_CHUNK_BYTES + 1024;
    const big = await a.emit(FlEvent.deltaChunk, {
      transferId: '33333333-3333-4333-8333-333333333333',
      totalBytes: 2 * chunkBytes,
      chunkBytes,
      chunkCount: 2,
      sha256: 'a'.repeat(64),
      index: 0,
      data: new Uint8Array(chunkBytes).fill(7),
    });
    const tooLarge = `a delta chunk of ${chunkBytes} bytes exceeds the ${MAX_CHUNK_BYTES}-byte chunk limit`;
    expect(big).toEqual({ ok: false, error: { code: 'payload_too_large', message: tooLarge } });
    expect(await audited(harness, 'payload_too_large')).toMatchObject({
      actor: { kind: 'site', id: a.siteId },
      outcome: 'refused',
      details: { reason: tooLarge },
    });
    expect(storedUpdates(harness.dataDir)).toEqual({ rows: 0, deltaFiles: [] });

    const rounds = await harness.api<{ stage: string }[]>('GET', `/api/runs/${run.body.runId}/rounds`);
    expect(rounds.body[0]!.stage).toBe('fit');
    expect((await rejections(harness)).length).toBeGreaterThanOrEqual(4);

    const accepted = await a.submit(ins, { delta, numExamples: 5 });
    expect(accepted).toMatchObject({ ok: true, data: { alreadyAccepted: false } });
    expect(await a.submit(ins, { delta, numExamples: 5 })).toMatchObject({
      ok: false,
      error: { code: 'duplicate' },
    });
    const siteList = await harness.api<{ name: string; updatesRejected: number }[]>('GET', '/api/sites');
    expect(siteList.body.find((s) => s.name === 'A')!.updatesRejected).toBeGreaterThanOrEqual(5);
  });

  it('a message over the 1 MiB transport limit: the connection is closed, the reason logged and audited', async () => {
    harness = await startHarness();
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      const a = await site(harness, { name: 'A' });
      const dropped = new Promise((resolve) => a.socket!.once('disconnect', resolve));
      const bytes = 2 * MAX_MESSAGE_BYTES;
      a.socket!.emit(FlEvent.deltaChunk, {
        transferId: '33333333-3333-4333-8333-333333333333',
        totalBytes: bytes,
        chunkBytes: bytes,
        chunkCount: 1,
        sha256: 'a'.repeat(64),
        index: 0,
        data: new Uint8Array(bytes),
      });
      await expect(dropped).resolves.toBe('transport close');
      const limit = `${MAX_MESSAGE_BYTES}-byte transport limit`;
      const entry = await waitFor(() => audited(harness!, 'payload_too_large'));
      expect(entry).toMatchObject({ actor: { kind: 'site', id: a.siteId }, outcome: 'refused' });
      expect(entry.details.reason).toContain(limit);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(new RegExp(`site ${a.siteId} on /fl: .*${limit}`)),
      );
      const listed = await harness.api<{ siteId: string; updatesRejected: number }[]>('GET', '/api/sites');
      expect(listed.body.find((s) => s.siteId === a.siteId)?.updatesRejected).toBe(1);
      expect(storedUpdates(harness.dataDir)).toEqual({ rows: 0, deltaFiles: [] });
    } finally {
      warn.mockRestore();
    }
  });
});
