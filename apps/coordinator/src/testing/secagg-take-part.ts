import { fromBase64 } from '@fedfuse/crypto';
import type { FitIns, SecAggRequest } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import type { SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { SecAggSite, planSecAgg } from '@fedfuse/secagg';

import { answerSecAggRequest, submitSecAgg } from './secagg-submit.ts';
import type { TestSite } from './test-site.ts';

/** The round as a site reads it from FitIns.privacy.secAgg (what SecAggSession's round builder does). */
function roundOf(ins: FitIns): SecAggRound {
  const secAgg = ins.privacy!.secAgg!;
  return {
    runId: ins.runId,
    roundId: ins.roundId,
    modelHash: ins.model.modelHash,
    plan: planSecAgg({
      sites: secAgg.roster.length,
      toleratedDropouts: secAgg.toleratedDropouts,
      toleratedColluders: secAgg.toleratedColluders,
      graph: secAgg.graph,
      clip: secAgg.clip,
      levelsLog2: secAgg.levelsLog2,
      maxExamples: secAgg.maxExamples,
    }),
    layout: secAgg.layout,
    roster: new Map(secAgg.roster.map((e) => [e.siteId, fromBase64(e.signingKey, 32, 'signingKey')])),
  };
}

const UNUSED: SiteUpdate = { weights: new Float32Array(0), numExamples: 0 };

/**
 * A connected test site taking part in every secure round over its real socket, as a daemon does: advertises
 * on `round:start`, fetches the global weights, answers each `secagg:request` and masks `train(global)`.
 * Listens on the socket it has now (a reconnect needs another call).
 */
export function takePartSecurely(
  site: TestSite,
  train: (global: Float32Array) => { delta: Float32Array; numExamples: number },
): void {
  const peers = new Map<string, { peer: SecAggSite; own: Promise<SiteUpdate> }>();
  const join = (ins: FitIns) => {
    if (peers.has(ins.roundId) || !ins.privacy?.secAgg) return;
    const peer = new SecAggSite({ round: roundOf(ins), identity: site.identityAs(site.siteId!) });
    const own = site.fetchWeights(ins).then((global) => {
      const { delta, numExamples } = train(global);
      return { weights: delta, numExamples };
    });
    peers.set(ins.roundId, { peer, own });
    void submitSecAgg(site, { roundId: ins.roundId, stage: 'advertise', message: peer.advertise() });
  };
  site.received.forEach(join);
  site.socket!.on(FlEvent.roundStart, join);
  site.socket!.on(FlEvent.secaggRequest, (envelope: SecAggRequest) => {
    const taking = peers.get(envelope.roundId);
    if (!taking) return;
    // Only masking needs the trained update; the other stages do not wait for the weights' download.
    const own = envelope.stage === 'masked-input' ? taking.own : Promise.resolve(UNUSED);
    void own
      .then((update) => answerSecAggRequest(taking.peer, envelope, update))
      .then((message) => submitSecAgg(site, { roundId: envelope.roundId, stage: envelope.stage, message }));
  });
}
