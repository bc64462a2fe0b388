import { FlEvent } from './event-names.ts';
import type { AckFn, EventSchemas } from './event-schema.ts';
import { EvaluateIns, EvaluateRes } from './evaluate.ts';
import { FitIns, FitRes, RoundCancelled, RoundFailure, SubmitReceipt } from './round.ts';
import { SiteReport } from './site-report.ts';
import { SecAggRequest, SecAggSubmission } from './secagg-messages.ts';
import { ResyncRequest, SiteSync } from './status.ts';
import { ChunkReceipt, TransferChunk, TransferFetch, TransferRef } from './transfer.ts';

/**
 * Events a site emits on `/fl` (typed for emit; the coordinator must still validate every payload). The
 * socket only connects once its auth, a signed challenge response, is verified: see FlRoute.
 */
export interface FlClientToServerEvents {
  [FlEvent.statusResync]: (req: ResyncRequest, ack: AckFn<SiteSync>) => void;
  [FlEvent.siteReport]: (report: SiteReport, ack: AckFn<void>) => void;
  [FlEvent.weightsFetch]: (req: TransferFetch, ack: AckFn<TransferRef>) => void;
  [FlEvent.deltaChunk]: (chunk: TransferChunk, ack: AckFn<ChunkReceipt>) => void;
  [FlEvent.roundSubmit]: (res: FitRes, ack: AckFn<SubmitReceipt>) => void;
  [FlEvent.evaluateSubmit]: (res: EvaluateRes, ack: AckFn<SubmitReceipt>) => void;
  [FlEvent.roundFailed]: (failure: RoundFailure, ack: AckFn<void>) => void;
  [FlEvent.secaggSubmit]: (submission: SecAggSubmission, ack: AckFn<void>) => void;
}

/** Events the coordinator emits on `/fl` (the site validates them too). */
export interface FlServerToClientEvents {
  [FlEvent.statusSynced]: (sync: SiteSync) => void;
  [FlEvent.weightsChunk]: (chunk: TransferChunk, ack: AckFn<ChunkReceipt>) => void;
  [FlEvent.roundStart]: (ins: FitIns, ack: AckFn<void>) => void;
  [FlEvent.roundCancelled]: (cancelled: RoundCancelled) => void;
  [FlEvent.evaluateStart]: (ins: EvaluateIns, ack: AckFn<void>) => void;
  [FlEvent.secaggRequest]: (request: SecAggRequest) => void;
}

/** What the coordinator knows about an authenticated site connection. */
export interface SiteSession {
  siteId: string;
  /** Ed25519 public key the signed challenge was verified against. */
  signingKey: Uint8Array;
  /** X25519 public key sealed deltas from this site are opened with. */
  boxKey: Uint8Array;
  protocolVersion: number;
  authenticatedAt: number;
}

/** `socket.data` on `/fl`: the session is set by the namespace middleware, before the socket connects. */
export interface FlSocketData {
  session?: SiteSession;
}

/** Payload and ack schemas for every event a site sends. */
export const flClientEventSchemas = {
  [FlEvent.statusResync]: { payload: ResyncRequest, ack: SiteSync },
  [FlEvent.siteReport]: { payload: SiteReport, ack: null },
  [FlEvent.weightsFetch]: { payload: TransferFetch, ack: TransferRef },
  [FlEvent.deltaChunk]: { payload: TransferChunk, ack: ChunkReceipt },
  [FlEvent.roundSubmit]: { payload: FitRes, ack: SubmitReceipt },
  [FlEvent.evaluateSubmit]: { payload: EvaluateRes, ack: SubmitReceipt },
  [FlEvent.roundFailed]: { payload: RoundFailure, ack: null },
  [FlEvent.secaggSubmit]: { payload: SecAggSubmission, ack: null },
} as const satisfies Record<keyof FlClientToServerEvents, EventSchemas>;

/** Payload and ack schemas for every event the coordinator sends on `/fl`. */
export const flServerEventSchemas = {
  [FlEvent.statusSynced]: { payload: SiteSync },
  [FlEvent.weightsChunk]: { payload: TransferChunk, ack: ChunkReceipt },
  [FlEvent.roundStart]: { payload: FitIns, ack: null },
  [FlEvent.roundCancelled]: { payload: RoundCancelled },
  [FlEvent.evaluateStart]: { payload: EvaluateIns, ack: null },
  [FlEvent.secaggRequest]: { payload: SecAggRequest },
} as const satisfies Record<keyof FlServerToClientEvents, EventSchemas>;
