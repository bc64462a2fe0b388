import { z } from 'zod';

import { WeightsManifest } from './manifest.ts';
import { Sha256Hex, Signature64 } from './primitives.ts';
import { TransferRef } from './transfer.ts';

/**
 * The global model a round works on. `modelHash` is the SHA-256 of the encoded weights (so it equals the
 * transfer hash) and the coordinator signs (roundId, modelHash, manifestHash) with its Ed25519 key.
 */
export const GlobalModelRef = z
  .object({
    modelHash: Sha256Hex,
    manifest: WeightsManifest,
    manifestHash: Sha256Hex,
    weights: TransferRef,
    signature: Signature64,
  })
  .refine((m) => m.weights.sha256 === m.modelHash, {
    path: ['weights', 'sha256'],
    message: 'the weights transfer hash must equal modelHash',
  });
export type GlobalModelRef = z.infer<typeof GlobalModelRef>;
