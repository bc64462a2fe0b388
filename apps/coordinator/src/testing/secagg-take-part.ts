import { fromBase64 } from '@fedfuse/crypto';
import type { Ack, FitIns, SecAggFitReport, SecAggRequest } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import type { SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { SecAggSite, planSecAgg } from '@fedfuse/secagg';

import { answerSecAggRequest, submitSecAgg } from './secagg-submit.ts';
import type { TestSite } from './test-site.ts';

/** The round as a site reads it from FitIns.privacy.secAgg (what SecAggSession's round builder does). */
export function secAggRoundOf(ins: FitIns): SecAggRound {
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

/** How a test site takes part in secure rounds. */
export interface SecurePart {
  /**
   * Its update for a round, asked as the round starts; `global()` fetches the round's global weights (call it
   * then to start the download at once, as a daemon does).
   */
  update(args: { ins: FitIns; round: SecAggRound; global: () => Promise<Float32Array> }): Promise<SiteUpdate>;
  /** The training report sent beside its masked input. */
  fit?: SecAggFitReport;
  /** Closes its socket instead of masking (a dropout after key sharing): it takes part in no later round. */
  dropAtMasking?: boolean;
  /** Sees every stage's acknowledgement. */
  onAck?(answer: { roundId: string; stage: string; ack: Ack<unknown> }): void;
}

const UNUSED: SiteUpdate = { weights: new Float32Array(0), numExamples: 0 };

/**
 * A connected test site taking part in every secure round over its real socket, as a daemon does: advertises
 * on `round:start`, answers each `secagg:request`, masks its update. Listens on the socket it has now (a
 * reconnect needs another call).
 */
export function takePartSecurely(site: TestSite, part: SecurePart): void {
  const peers = new Map<string, { peer: SecAggSite; own: Promise<SiteUpdate> }>();
  const send = async (roundId: string, stage: string, message: unknown) => {
    const fit = stage === 'masked-input' ? part.fit : undefined;
    const ack = await submitSecAgg(site, { roundId, stage, message, ...(fit ? { fit } : {}) });
    part.onAck?.({ roundId, stage, ack });
  };
  const join = (ins: FitIns) => {
    if (peers.has(ins.roundId) || !ins.privacy?.secAgg) return;
    const round = secAggRoundOf(ins);
    const peer = new SecAggSite({ round, identity: site.identityAs(site.siteId!) });
    const own = part.update({ ins, round, global: () => site.fetchWeights(ins) });
    // A round whose site drops out never asks for its update: keep its rejection unhandled-free.
    own.catch(() => undefined);
    peers.set(ins.roundId, { peer, own });
    void send(ins.roundId, 'advertise', peer.advertise());
  };
  // A round may have started as the site connected, before this listener.
  site.received.forEach(join);
  site.socket!.on(FlEvent.roundStart, join);
  site.socket!.on(FlEvent.secaggRequest, (envelope: SecAggRequest) => {
    const taking = peers.get(envelope.roundId);
    if (!taking) return;
    if (part.dropAtMasking && envelope.stage === 'masked-input') return site.close();
    // Only masking needs the trained update; the other stages do not wait for it.
    const own = envelope.stage === 'masked-input' ? taking.own : Promise.resolve(UNUSED);
    void own
      .then((update) => answerSecAggRequest(taking.peer, envelope, update))
      .then((message) => send(envelope.roundId, envelope.stage, message));
  });
}
