import { FlEvent } from './event-names.ts';
import type { AckFn, EventSchemas } from './event-schema.ts';
import { EnrollmentRequest, EnrollmentResult } from './enrollment.ts';
import { EvaluateIns, EvaluateRes } from './evaluate.ts';
import { Challenge, ChallengeRequest, ChallengeResponse, HandshakeAccepted } from './handshake.ts';
import { FitIns, FitRes, RoundCancelled, SubmitReceipt } from './round.ts';
import { SiteReport } from './site-report.ts';
import { ResyncRequest, SiteSync } from './status.ts';
import { ChunkReceipt, TransferChunk, TransferFetch, TransferRef } from './transfer.ts';

/** Events a site emits on `/fl` (typed for emit; the coordinator must still validate every payload). */
export interface FlClientToServerEvents {
  [FlEvent.handshakeChallenge]: (req: ChallengeRequest, ack: AckFn<Challenge>) => void;
  [FlEvent.handshakeRespond]: (res: ChallengeResponse, ack: AckFn<HandshakeAccepted>) => void;
  [FlEvent.siteEnroll]: (req: EnrollmentRequest, ack: AckFn<EnrollmentResult>) => void;
  [FlEvent.statusResync]: (req: ResyncRequest, ack: AckFn<SiteSync>) => void;
  [FlEvent.siteReport]: (report: SiteReport, ack: AckFn<void>) => void;
  [FlEvent.weightsFetch]: (req: TransferFetch, ack: AckFn<TransferRef>) => void;
  [FlEvent.deltaChunk]: (chunk: TransferChunk, ack: AckFn<ChunkReceipt>) => void;
  [FlEvent.roundSubmit]: (res: FitRes, ack: AckFn<SubmitReceipt>) => void;
  [FlEvent.evaluateSubmit]: (res: EvaluateRes, ack: AckFn<SubmitReceipt>) => void;
}

/** Events the coordinator emits on `/fl` (the site validates them too). */
export interface FlServerToClientEvents {
  [FlEvent.statusSynced]: (sync: SiteSync) => void;
  [FlEvent.weightsChunk]: (chunk: TransferChunk, ack: AckFn<ChunkReceipt>) => void;
  [FlEvent.roundStart]: (ins: FitIns, ack: AckFn<void>) => void;
  [FlEvent.roundCancelled]: (cancelled: RoundCancelled) => void;
  [FlEvent.evaluateStart]: (ins: EvaluateIns, ack: AckFn<void>) => void;
}

/** What the coordinator knows about an authenticated site connection. */
export interface SiteSession {
  siteId: string;
  /** Ed25519 public key the handshake was verified against. */
  signingKey: Uint8Array;
  /** X25519 public key sealed deltas from this site are opened with. */
  boxKey: Uint8Array;
  protocolVersion: number;
  authenticatedAt: number;
}

/** `socket.data` on `/fl`: no session until the signed challenge succeeds. */
export interface FlSocketData {
  session?: SiteSession;
}

/** Payload and ack schemas for every event a site sends. */
export const flClientEventSchemas = {
  [FlEvent.handshakeChallenge]: { payload: ChallengeRequest, ack: Challenge },
  [FlEvent.handshakeRespond]: { payload: ChallengeResponse, ack: HandshakeAccepted },
  [FlEvent.siteEnroll]: { payload: EnrollmentRequest, ack: EnrollmentResult },
  [FlEvent.statusResync]: { payload: ResyncRequest, ack: SiteSync },
  [FlEvent.siteReport]: { payload: SiteReport, ack: null },
  [FlEvent.weightsFetch]: { payload: TransferFetch, ack: TransferRef },
  [FlEvent.deltaChunk]: { payload: TransferChunk, ack: ChunkReceipt },
  [FlEvent.roundSubmit]: { payload: FitRes, ack: SubmitReceipt },
  [FlEvent.evaluateSubmit]: { payload: EvaluateRes, ack: SubmitReceipt },
} as const satisfies Record<keyof FlClientToServerEvents, EventSchemas>;

/** Payload and ack schemas for every event the coordinator sends on `/fl`. */
export const flServerEventSchemas = {
  [FlEvent.statusSynced]: { payload: SiteSync },
  [FlEvent.weightsChunk]: { payload: TransferChunk, ack: ChunkReceipt },
  [FlEvent.roundStart]: { payload: FitIns, ack: null },
  [FlEvent.roundCancelled]: { payload: RoundCancelled },
  [FlEvent.evaluateStart]: { payload: EvaluateIns, ack: null },
} as const satisfies Record<keyof FlServerToClientEvents, EventSchemas>;
