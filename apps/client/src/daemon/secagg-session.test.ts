import { Identity } from '@fedfuse/crypto';
import type { Ack, SecAggRequest, SecAggStage, SecAggSubmission, TransferChunk } from '@fedfuse/protocol';
import { ChunkReassembler, fail, ok } from '@fedfuse/protocol';
import type { SecAggError, SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { SecAggServer, planSecAgg } from '@fedfuse/secagg';
import { describe, expect, it } from 'vitest';

import { SecAggSession } from './secagg-session.ts';

const LENGTH = 12;
const update = (k: number): SiteUpdate => ({
  weights: Float32Array.from({ length: LENGTH }, (_, i) => Math.sin(k + i) / 4),
  numExamples: 100 + 10 * k,
});

/** Four sites enrolled as `enrolled-k` whose identities carry local labels, and the server's side in process. */
function federation() {
  const identities = [0, 1, 2, 3].map((k) => Identity.generate({ role: 'site', id: `local-label-${k}` }));
  const round: SecAggRound = {
    runId: 'run-1',
    roundId: 'round-1',
    modelHash: 'aa'.repeat(32),
    plan: planSecAgg({
      sites: 4,
      toleratedDropouts: 1,
      toleratedColluders: 0,
      graph: 'complete',
      maxExamples: 512,
    }),
    layout: { length: LENGTH, groups: [{ name: 'all', ranges: [{ offset: 0, length: LENGTH }] }] },
    roster: new Map(identities.map((id, k) => [`enrolled-${k}`, id.signingPublicKey])),
  };
  const server = new SecAggServer({ round });
  const receive: Record<SecAggStage, (raw: unknown) => void> = {
    advertise: (raw) => server.receiveAdvertisement(raw),
    'share-keys': (raw) => server.receiveShareKeys(raw),
    'masked-input': (raw) => server.receiveMaskedInput(raw),
    consistency: (raw) => server.receiveConsistencySignature(raw),
    unmask: (raw) => server.receiveUnmaskResponse(raw),
  };
  // The masked words arrive as chunks first, as at the coordinator; the submission names their transfer.
  const transfers = new Map<string, ChunkReassembler>();
  const sendChunk = (chunk: TransferChunk) => {
    const reassembler = transfers.get(chunk.transferId) ?? new ChunkReassembler();
    transfers.set(chunk.transferId, reassembler);
    return Promise.resolve(reassembler.push(chunk));
  };
  const send = async (envelope: SecAggSubmission): Promise<Ack<unknown>> => {
    let message: unknown = envelope.message;
    if (envelope.stage === 'masked-input') {
      const { transfer, ...ids } = envelope.message;
      const words = await transfers.get(transfer.transferId)!.finish();
      if (!words.ok) return words;
      message = { ...ids, masked: words.data };
    }
    try {
      receive[envelope.stage](message);
      return ok();
    } catch (error) {
      const e = error as SecAggError;
      return fail('invalid_payload', `${e.code}: ${e.message}`);
    }
  };
  const sessions = identities.map(
    (identity, k) => new SecAggSession({ round, identity, siteId: `enrolled-${k}`, send, sendChunk }),
  );
  return { round, server, sessions };
}

const request = (stage: SecAggRequest['stage'], message: unknown): SecAggRequest =>
  ({ roundId: 'round-1', stage, message }) as SecAggRequest;

describe(SecAggSession.name, () => {
  it('masks the delta whichever comes first, training or the forwarded shares, and survives a dropout', async () => {
    const { server, sessions } = federation();
    await Promise.all(sessions.map((s) => s.start()));
    const keys = server.closeAdvertise();
    for (const s of sessions) await s.onRequest(request('share-keys', keys));
    const forwarded = server.closeShareKeys();
    await sessions[0]!.provide(update(0)); // trained before the shares arrived
    for (const [k, s] of sessions.slice(0, 3).entries())
      await s.onRequest(request('masked-input', forwarded.get(`enrolled-${k}`)));
    await sessions[1]!.provide(update(1)); // trained after
    await sessions[2]!.provide(update(2));
    // enrolled-3 drops out after sharing keys.
    const check = server.closeMaskedInput();
    expect(check.survivors).toEqual(['enrolled-0', 'enrolled-1', 'enrolled-2']);
    for (const s of sessions.slice(0, 3)) await s.onRequest(request('consistency', check));
    const requests = server.closeConsistency();
    for (const [k, s] of sessions.slice(0, 3).entries())
      await s.onRequest(request('unmask', requests.get(`enrolled-${k}`)));
    const aggregate = await server.finish();
    expect(sessions.map((s) => s.stopped)).toEqual([undefined, undefined, undefined, undefined]);
    const total = [0, 1, 2].reduce((sum, k) => sum + update(k).numExamples, 0);
    for (let i = 0; i < LENGTH; i++) {
      const expected =
        [0, 1, 2].reduce((sum, k) => sum + update(k).weights[i]! * update(k).numExamples, 0) / total;
      expect(Math.abs(aggregate.mean[i]! - expected)).toBeLessThanOrEqual(aggregate.errorBound.all! + 1e-6);
    }
  });

  it('stops, saying why, when a request is refused by the protocol or its answer by the coordinator', async () => {
    const { server, sessions } = federation();
    await Promise.all(sessions.slice(0, 3).map((s) => s.start()));
    const keys = server.closeAdvertise();
    // Too late: the coordinator closed the advertisements and refuses this one.
    await sessions[3]!.start();
    expect(sessions[3]!.stopped).toMatch(/^advertise refused: invalid_payload: wrong_stage: /);
    const withoutMe = {
      ...keys,
      advertisements: keys.advertisements.filter((a) => a.siteId !== 'enrolled-0'),
    };
    await sessions[0]!.onRequest(request('share-keys', withoutMe));
    expect(sessions[0]!.stopped).toMatch(/^share-keys: /);
    // A request for another round is not this session's.
    await sessions[2]!.onRequest({ ...request('share-keys', keys), roundId: 'round-2' });
    expect(sessions[2]!.stopped).toBeUndefined();
  });
});
