import { afterEach, describe, expect, it } from 'vitest';
import { FlEvent } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel, waitFor } from './testing/harness.ts';
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
    const big = await a.emit(FlEvent.deltaChunk, {
      transferId: '33333333-3333-4333-8333-333333333333',
      totalBytes: 2_000_000,
      chunkBytes: 900_000,
      chunkCount: 3,
      sha256: 'a'.repeat(64),
      index: 0,
      data: new Uint8Array(10),
    });
    expect(big).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });

    const rounds = await harness.api<{ phase: string }[]>('GET', `/api/runs/${run.body.runId}/rounds`);
    expect(rounds.body[0]!.phase).toBe('training');
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

  it('a message over the 1 MiB limit: the socket is dropped', async () => {
    harness = await startHarness();
    const a = await site(harness, { name: 'A' });
    const dropped = new Promise((resolve) => a.socket!.once('disconnect', resolve));
    a.socket!.emit(FlEvent.deltaChunk, { data: new Uint8Array(2 * 1024 * 1024) });
    await expect(dropped).resolves.toBeDefined();
  });
});
