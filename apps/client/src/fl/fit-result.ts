import type { Identity } from '@fedfuse/crypto';
import { sealDelta, sealedNonce, toBase64 } from '@fedfuse/crypto';
import type { FitIns, FitPrivacy, FitRecordLevel, LossTerms } from '@fedfuse/protocol';
import { FitRes, chunkTransfer, formatIssues, weightsWriter } from '@fedfuse/protocol';

import type { PendingResult } from '../store/pending-store.ts';

/** What local training produced, as FitRes reports it. */
export interface TrainingSummary {
  /** trained − global in the layout of `ins.model.manifest`; zeroed once sealed. */
  delta: Float32Array;
  numExamples: number;
  groupExamples: Record<string, number>;
  lossPerEpoch: number[];
  /** The last epoch's loss in its terms (task loss apart from the regularisers). */
  lossTerms?: LossTerms;
  seconds: number;
}

/**
 * Encode the delta with the round's manifest, seal it to the coordinator (bound to site, round, stage `fit`
 * and the global model hash), describe it as a chunked transfer and build the FitRes naming it.
 */
export async function buildFitResult(options: {
  site: Identity;
  siteId: string;
  coordinatorBoxKey: Uint8Array;
  ins: FitIns;
  training: TrainingSummary;
  /** DP rounds: whether the site's clipping shrank the delta. */
  privacy?: FitPrivacy;
  /** Record-level DP-SGD rounds: the site's per-patient ε so far. */
  recordLevel?: FitRecordLevel;
  chunkBytes?: number;
  now?: number;
}): Promise<PendingResult> {
  const { ins, training } = options;
  // Encoded straight into the sealed buffer and encrypted there: no plaintext copy of the delta to wipe.
  const { sealed } = sealDelta({
    site: options.site,
    coordinatorBoxKey: options.coordinatorBoxKey,
    context: { siteId: options.siteId, roundId: ins.roundId, stage: 'fit', modelHash: ins.model.modelHash },
    payload: weightsWriter({ manifest: ins.model.manifest, values: training.delta }),
  });
  // The plaintext delta says something about the training data; keep it no longer than needed.
  training.delta.fill(0);
  const transfer = await chunkTransfer(sealed, { chunkBytes: options.chunkBytes, chunkDigests: false });
  const nonce = sealedNonce(sealed);
  if (!nonce) throw new Error('sealDelta produced a malformed message');
  const fitRes = FitRes.safeParse({
    runId: ins.runId,
    roundId: ins.roundId,
    delta: { transfer: transfer.ref, nonce: toBase64(nonce) },
    numExamples: training.numExamples,
    groupExamples: training.groupExamples,
    metrics: { loss: training.lossPerEpoch.at(-1), trainSeconds: training.seconds },
    lossPerEpoch: training.lossPerEpoch,
    lossTerms: training.lossTerms,
    privacy: options.privacy,
    recordLevel: options.recordLevel,
  });
  if (!fitRes.success)
    throw new Error(`the training result is not a valid FitRes: ${formatIssues(fitRes.error.issues)}`);
  const record = {
    version: 1 as const,
    roundId: ins.roundId,
    roundNumber: ins.roundNumber,
    modelHash: ins.model.modelHash,
    createdAt: options.now ?? Date.now(),
    fitRes: fitRes.data,
  };
  return { record, sealed };
}
