import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Identity } from '@fedfuse/crypto';
import type { FitIns, TransferChunk } from '@fedfuse/protocol';
import { FlEvent, chunkTransfer, encodeWeights, sha256Hex } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';

import { buildFitResult } from '../fl/fit-result.ts';
import { toWireManifest } from '../fl/manifest-map.ts';
import type { Logger } from '../log/logger.ts';
import { PendingStore } from '../store/pending-store.ts';
import { StateFile } from '../store/state-file.ts';
import type { Connection } from './connection.ts';
import { FitUploader } from './fit-uploader.ts';

const manifest = toWireManifest([{ name: 'ehr.kernel', shape: [4, 8] }]);
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function fitIns(): Promise<FitIns> {
  const blob = encodeWeights({ manifest, values: new Float32Array(32) });
  const hash = await sha256Hex(blob);
  return {
    runId: crypto.randomUUID(),
    roundId: crypto.randomUUID(),
    roundNumber: 1,
    modelSpec: {} as FitIns['modelSpec'],
    model: {
      modelHash: hash,
      manifest,
      manifestHash: hash,
      weights: (await chunkTransfer(blob)).ref,
      signature: 'A'.repeat(86) + '==',
    },
    config: { epochs: 1, batchSize: 4, learningRate: 0.1, modalityKeepProb: 1, proximalMu: 0, seed: 1 },
    deadline: Date.now() + 60_000,
  };
}

/** A connection that accepts every chunk and the submission, keeping the chunks it was sent. */
function acceptingConnection(chunks: TransferChunk[]): Connection {
  const request = (event: string, payload: unknown) => {
    if (event === FlEvent.deltaChunk) chunks.push(payload as TransferChunk);
    const receipt = { roundId: crypto.randomUUID(), messageKey: 'k', acceptedAt: 1, alreadyAccepted: false };
    return Promise.resolve({ ok: true, data: event === FlEvent.roundSubmit ? receipt : undefined });
  };
  return { ready: true, request } as unknown as Connection;
}

describe(FitUploader.name, () => {
  it('sends every chunk under the hash recorded when the delta was sealed, without hashing it again', async () => {
    // Prepare: a result sealed as the daemon seals it, whose record is then made to name another hash. The
    // uploader must send what the record says (the FitRes the coordinator checks the chunks against), not a
    // hash of its own: it no longer passes over the whole sealed delta on every attempt.
    const dir = mkdtempSync(join(tmpdir(), 'fedfuse-fit-uploader-'));
    const result = await buildFitResult({
      site: Identity.generate({ role: 'site', id: 'site-a' }),
      siteId: crypto.randomUUID(),
      coordinatorBoxKey: Identity.generate({ role: 'coordinator', id: 'coord' }).boxPublicKey,
      ins: await fitIns(),
      training: {
        delta: new Float32Array(32).fill(0.25),
        numExamples: 5,
        groupExamples: {},
        lossPerEpoch: [1],
        seconds: 1,
      },
      chunkBytes: 64,
    });
    const { transfer } = result.record.fitRes.delta;
    expect(transfer.sha256).toBe(await sha256Hex(result.sealed));
    const recorded = 'e'.repeat(64);
    transfer.sha256 = recorded;
    const chunks: TransferChunk[] = [];
    const uploader = new FitUploader({
      connection: acceptingConnection(chunks),
      pending: new PendingStore(join(dir, 'pending')),
      state: new StateFile(join(dir, 'state.json')),
      log: quiet,
      retryDelayMs: 10,
    });

    // Execute
    const outcome = await uploader.upload(result);

    // Assert
    expect(outcome).toBe('accepted');
    expect(chunks).toHaveLength(transfer.chunkCount);
    expect(chunks.every((chunk) => chunk.sha256 === recorded)).toBe(true);
  });
});
