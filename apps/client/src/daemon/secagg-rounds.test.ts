import { Identity, toBase64 } from '@fedfuse/crypto';
import type { RoundPrivacyIns, SecAggRequest, SecAggStage, TransferChunk } from '@fedfuse/protocol';
import { FlEvent, MaskedInputRef, SecAggSubmission } from '@fedfuse/protocol';
import type { SiteUpdate } from '@fedfuse/secagg';
import { SecAggServer, SecAggSite } from '@fedfuse/secagg';
import { expect, it } from 'vitest';

import { secAggRoundOf } from '../fl/secagg-round.ts';
import { useDaemonSite } from '../testing/daemon-site.ts';
import { fitIns } from '../testing/global-model.ts';

const site = useDaemonSite();

/** The roster and plan of a 3-site round: this daemon and two in-process peers. */
function secureRound(length: number, others: { id: string; identity: Identity }[]): RoundPrivacyIns {
  return {
    secureAggregation: true,
    selectedSites: 3,
    minSites: 3,
    secAgg: {
      toleratedDropouts: 0,
      toleratedColluders: 0,
      graph: 'complete',
      threshold: 3,
      degree: 2,
      clip: 8,
      levelsLog2: 22,
      maxExamples: 4096,
      roster: [
        { siteId: site.env.siteId, signingKey: site.env.coordinator.site.signingKey },
        ...others.map((o) => ({ siteId: o.id, signingKey: toBase64(o.identity.signingPublicKey) })),
      ],
      layout: { length, groups: [{ name: 'all', ranges: [{ offset: 0, length }] }] },
    },
  };
}

/**
 * Starts the daemon, sends it `round:start` with `privacy`, and runs the protocol's server and two peers
 * (whose updates are `own`) against it over its real socket; returns the unmasked aggregate.
 */
async function driveRound(
  privacy: (length: number, others: { id: string; identity: Identity }[]) => RoundPrivacyIns,
  own: (length: number) => SiteUpdate[],
) {
  const { daemon } = await site.start();
  const { env, model } = site;
  const others = ['peer-1', 'peer-2'].map((id) => ({
    id,
    identity: Identity.generate({ role: 'site', id }),
  }));
  const length = model.values.length;
  const ins = {
    ...fitIns({ model, coordinator: env.coordinator.identity }),
    privacy: privacy(length, others),
  };
  const built = secAggRoundOf(ins, env.siteId);
  if (!built.ok) throw new Error(built.message);
  const server = new SecAggServer({ round: built.round });
  const peers = others.map((o) => new SecAggSite({ round: built.round, identity: o.identity, siteId: o.id }));
  const updates = own(length);
  const [socket] = env.coordinator.sockets();
  /** The daemon's next answer for `stage`, checked as the protocol's envelope. */
  const fromDaemon = async (stage: SecAggStage) => {
    const got = SecAggSubmission.parse((await env.coordinator.next(FlEvent.secaggSubmit, seen++)).payload);
    expect(got.stage).toBe(stage);
    return got.message;
  };
  let seen = 0;
  const request = (stage: SecAggStage, message: unknown) =>
    socket!.emit(FlEvent.secaggRequest, { roundId: ins.roundId, stage, message } as SecAggRequest);

  expect(await env.coordinator.emitWithAck(FlEvent.roundStart, ins)).toEqual([{ ok: true }]);
  server.receiveAdvertisement(await fromDaemon('advertise'));
  peers.forEach((p) => server.receiveAdvertisement(p.advertise()));
  const keys = server.closeAdvertise();
  request('share-keys', keys);
  server.receiveShareKeys(await fromDaemon('share-keys'));
  for (const p of peers) server.receiveShareKeys(await p.shareKeys(keys));
  const forwarded = server.closeShareKeys();
  request('masked-input', forwarded.get(env.siteId));
  // The masked words came as a delta:chunk transfer, the submission names it (the real coordinator's take).
  const named = MaskedInputRef.parse(await fromDaemon('masked-input'));
  const words = await env.coordinator.deltas.get(named.transfer.transferId)!.finish();
  if (!words.ok) throw new Error(words.error.message);
  const { transfer, fit, ...ids } = named;
  expect(words.data.byteLength).toBe(transfer.totalBytes);
  // Beside it, what FitRes would say of training: its examples and losses, never a weight.
  expect(fit).toMatchObject({
    numExamples: daemon.data.trainPatients,
    metrics: { loss: fit!.lossPerEpoch.at(-1) },
  });
  expect(fit!.lossTerms?.task).toBeGreaterThan(0);
  server.receiveMaskedInput({ ...ids, masked: words.data });
  for (const [k, p] of peers.entries())
    server.receiveMaskedInput(p.maskInput(forwarded.get(p.id)!, updates[k]!));
  const check = server.closeMaskedInput();
  request('consistency', check);
  server.receiveConsistencySignature(await fromDaemon('consistency'));
  for (const p of peers) server.receiveConsistencySignature(p.signSurvivors(check));
  const unmask = server.closeConsistency();
  request('unmask', unmask.get(env.siteId));
  server.receiveUnmaskResponse(await fromDaemon('unmask'));
  for (const p of peers) server.receiveUnmaskResponse(p.unmask(unmask.get(p.id)!));
  return { aggregate: await server.finish({}), named, updates, plan: built.round.plan, daemon };
}

it('a daemon in a securely aggregated round sends only masked input and its shares, never a plain delta', async () => {
  const {
    aggregate,
    named,
    updates: own,
    daemon,
  } = await driveRound(secureRound, (length) =>
    [0, 1].map((k) => ({
      weights: Float32Array.from({ length }, (_, i) => Math.cos(k + i) * 0.01),
      numExamples: 50 + k,
    })),
  );

  expect(aggregate.survivors.sort()).toEqual([site.env.siteId, 'peer-1', 'peer-2'].sort());
  // The daemon's examples are in the sum, and its delta moved the mean off the peers' alone.
  const daemonExamples = aggregate.groupExamples.all! - 101;
  expect(daemonExamples).toBe(daemon.data.trainPatients);
  const peersOnly = own[0]!.weights.map((w, i) => (w * 50 + own[1]!.weights[i]! * 51) / 101);
  expect(aggregate.mean.some((m, i) => Math.abs(m - peersOnly[i]!) > 1e-3)).toBe(true);
  // Nothing plain left the site: no round:submit, and every delta chunk belongs to the masked input's transfer.
  expect(site.env.coordinator.count(FlEvent.roundSubmit)).toBe(0);
  const chunks = site.env.coordinator.received.filter((r) => r.event === FlEvent.deltaChunk);
  expect(chunks.length).toBe(named.transfer.chunkCount);
  expect(chunks.every((c) => (c.payload as TransferChunk).transferId === named.transfer.transferId)).toBe(
    true,
  );
});

it('a daemon in a DP round under secure aggregation weighs itself equally and masks its clipped delta with its Skellam share', async () => {
  const dp = {
    clip: 0.05,
    noiseMultiplier: 10,
    accountedNoiseMultiplier: 10,
    sampleRate: 1,
    delta: 1e-5,
    pastRounds: [],
  };
  const { aggregate, plan } = await driveRound(
    (length, others) => {
      const base = secureRound(length, others);
      return { ...base, secAgg: { ...base.secAgg!, clip: dp.clip }, dp };
    },
    // The peers add nothing: whatever is in the mean is the daemon's clipped delta and its noise.
    (length) => [0, 1].map(() => ({ weights: new Float32Array(length), numExamples: 4096 })),
  );
  // Equal weights: the daemon counted the plan's maxExamples, not its patients.
  expect(aggregate.groupExamples.all).toBe(3 * plan.maxExamples);
  // Its share alone: variance (z·C)²/3 on the sum, so /9 on the mean; the clipped delta adds at most C²/9 in all.
  const shareStd = (dp.noiseMultiplier * dp.clip) / Math.sqrt(3) / 3;
  const meanSquare = aggregate.mean.reduce((s, m) => s + m * m, 0) / aggregate.mean.length;
  const signalAtMost = (dp.clip / 3) ** 2 / aggregate.mean.length;
  expect(Math.sqrt(meanSquare) / shareStd).toBeGreaterThan(0.75);
  expect(Math.sqrt(Math.max(0, meanSquare - signalAtMost)) / shareStd).toBeLessThan(1.25);
  expect(site.env.coordinator.count(FlEvent.roundSubmit)).toBe(0);
});
