import { verifyGlobalWeights } from '@fedfuse/crypto';
import type { Ack, GlobalModelRef, ModelSpec, TransferRef } from '@fedfuse/protocol';
import {
  ChunkReassembler,
  DEFAULT_CHUNK_WINDOW,
  FlEvent,
  checkChunkDigest,
  decodeWeights,
  fail,
  flServerEventSchemas,
  manifestHash,
  parseOrError,
} from '@fedfuse/protocol';

import type { Logger } from '../log/logger.ts';
import type { ModelStore } from '../store/model-store.ts';
import { sleep } from './backoff.ts';
import type { Connection } from './connection.ts';
import { TransportError } from './request.ts';

/** The global weights could not be obtained or failed a check; `code` says which. */
class WeightsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WeightsError';
  }
}

/** Corrupt chunks one download tolerates (each re-fetched) before it fails. */
const MAX_CORRUPT_CHUNKS = 3;

interface ActiveTransfer {
  reassembler: ChunkReassembler;
  /** Chunks refused because their bytes did not match their hash, and the last refusal's reason. */
  corrupt: number;
  lastCorruption?: string;
  /** Called on every accepted chunk, and on a corrupt one. */
  onChunk?: (accepted: boolean) => void;
}

/** What a download waits for between fetches. */
type Wake = 'complete' | 'disconnected' | 'stalled' | 'corrupt' | 'aborted';

/**
 * Global models for rounds: from the local store when present, otherwise fetched as `weights:chunk`s and
 * resumed from the first missing chunk after a reconnect. Every model is checked (hash, manifest hash,
 * coordinator signature for this round) before it is decoded, and stored only once verified.
 */
export class WeightsSource {
  private readonly transfers = new Map<string, ActiveTransfer>();
  private readonly downloads = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly deps: {
      connection: Connection;
      store: ModelStore;
      coordinatorKey: Uint8Array;
      log: Logger;
      /** No chunk for this long while connected: ask again from the first missing chunk. */
      stallMs: number;
      /** Chunks the coordinator may have in flight (default DEFAULT_CHUNK_WINDOW; 1 is stop-and-wait). */
      window?: number;
    },
  ) {
    deps.connection.socket.on(FlEvent.weightsChunk, (raw: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (a: Ack<unknown>) => void) : () => {};
      void this.onChunk(raw).then(reply);
    });
  }

  /** The verified global weights of `model` for round `roundId`. */
  async get(options: {
    roundId: string;
    model: GlobalModelRef;
    spec: ModelSpec;
    signal: AbortSignal;
  }): Promise<Float32Array> {
    const { roundId, model } = options;
    const stored = await this.deps.store.read(model.modelHash);
    const bytes = stored ?? (await this.download(model.weights, options.signal));
    const values = await this.verify({ bytes, roundId, model });
    if (!stored) {
      await this.deps.store.write(bytes, {
        modelHash: model.modelHash,
        manifestHash: model.manifestHash,
        modelSpec: options.spec,
        roundId,
        storedAt: Date.now(),
      });
    }
    this.deps.log.debug('global model ready', {
      modelHash: model.modelHash,
      from: stored ? 'store' : 'coordinator',
    });
    return values;
  }

  /**
   * The checks of docs/protocol.md before anything is decoded: manifest hash, then the coordinator's
   * signature over (round, model hash, manifest hash); the bytes' hash was checked on arrival (or on read).
   */
  private async verify(o: {
    bytes: Uint8Array;
    roundId: string;
    model: GlobalModelRef;
  }): Promise<Float32Array> {
    const { model } = o;
    if ((await manifestHash(model.manifest)) !== model.manifestHash) {
      throw new WeightsError('hash_mismatch', 'the manifest does not hash to the announced manifestHash');
    }
    const signed = verifyGlobalWeights({
      coordinatorKey: this.deps.coordinatorKey,
      signature: model.signature,
      roundId: o.roundId,
      modelHash: model.modelHash,
      manifestHash: model.manifestHash,
    });
    if (!signed.ok) throw new WeightsError(signed.error.code, signed.error.message);
    const decoded = decodeWeights(o.bytes);
    if (!decoded.ok)
      throw new WeightsError(
        decoded.error.code,
        `the global model does not decode: ${decoded.error.message}`,
      );
    if ((await manifestHash(decoded.data.manifest)) !== model.manifestHash) {
      throw new WeightsError(
        'hash_mismatch',
        "the global model's own manifest differs from the announced one",
      );
    }
    return decoded.data.values;
  }

  private download(ref: TransferRef, signal: AbortSignal): Promise<Uint8Array> {
    // A fit and an evaluation can ask for the same model at once: one download serves both.
    const existing = this.downloads.get(ref.sha256);
    if (existing) return existing;
    const started = this.fetchAll(ref, signal).finally(() => this.downloads.delete(ref.sha256));
    this.downloads.set(ref.sha256, started);
    return started;
  }

  private async fetchAll(ref: TransferRef, signal: AbortSignal): Promise<Uint8Array> {
    // The model is held whole anyway: each chunk goes into it on arrival, so the bytes are never held twice.
    const reassembler = new ChunkReassembler({ expected: ref, wholeAtFirstChunk: true });
    const transfer: ActiveTransfer = { reassembler, corrupt: 0 };
    this.transfers.set(ref.transferId, transfer);
    const { connection, log } = this.deps;
    try {
      log.info('downloading the global model', {
        modelHash: ref.sha256,
        bytes: ref.totalBytes,
        chunks: ref.chunkCount,
      });
      while (!transfer.reassembler.complete) {
        if (!(await connection.whenReady(signal)))
          throw new WeightsError('aborted', 'the download was cancelled');
        const wake = this.waitForChunks(transfer, signal);
        await this.requestFrom(ref, transfer.reassembler.nextIndex, signal);
        const why = await wake;
        if (why === 'aborted') throw new WeightsError('aborted', 'the download was cancelled');
        if (transfer.corrupt >= MAX_CORRUPT_CHUNKS)
          throw new WeightsError(
            'hash_mismatch',
            `${transfer.corrupt} chunks of the global model arrived corrupt; last: ${transfer.lastCorruption}`,
          );
        if (why !== 'complete')
          log.info('resuming the model download', { reason: why, fromChunk: transfer.reassembler.nextIndex });
      }
      const done = await transfer.reassembler.finish();
      if (!done.ok) throw new WeightsError(done.error.code, done.error.message);
      return done.data;
    } finally {
      this.transfers.delete(ref.transferId);
    }
  }

  private async requestFrom(ref: TransferRef, fromIndex: number, signal: AbortSignal): Promise<void> {
    try {
      const ack = await this.deps.connection.request(FlEvent.weightsFetch, {
        transferId: ref.transferId,
        fromIndex,
        window: this.deps.window ?? DEFAULT_CHUNK_WINDOW,
      });
      if (ack.ok) return;
      if (ack.error.code === 'not_found' || ack.error.code === 'unknown_transfer') {
        throw new WeightsError(
          ack.error.code,
          `the coordinator cannot send the global model: ${ack.error.message}`,
        );
      }
      this.deps.log.warn('weights:fetch refused; retrying', {
        code: ack.error.code,
        reason: ack.error.message,
      });
      await sleep(this.deps.stallMs / 4, signal);
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      // The disconnect (or the stall timer) wakes the wait below; the loop then fetches again.
    }
  }

  /** Resolves when the transfer completes, the socket drops, chunks stop coming, or `signal` aborts. */
  private waitForChunks(transfer: ActiveTransfer, signal: AbortSignal): Promise<Wake> {
    return new Promise<Wake>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (why: Wake): void => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        transfer.onChunk = undefined;
        resolve(why);
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => finish('stalled'), this.deps.stallMs);
      };
      const onAbort = (): void => finish('aborted');
      const unsubscribe = this.deps.connection.onLost(() => finish('disconnected'));
      signal.addEventListener('abort', onAbort, { once: true });
      transfer.onChunk = (accepted) => {
        if (!accepted) finish('corrupt');
        else if (transfer.reassembler.complete) finish('complete');
        else arm();
      };
      arm();
    });
  }

  private async onChunk(raw: unknown): Promise<Ack<unknown>> {
    const parsed = parseOrError(flServerEventSchemas[FlEvent.weightsChunk].payload, raw);
    if (!parsed.ok) return parsed;
    const transfer = this.transfers.get(parsed.data.transferId);
    if (!transfer)
      return fail('unknown_transfer', `no download of transfer ${parsed.data.transferId} is in progress`);
    const intact = await checkChunkDigest(parsed.data);
    if (!intact.ok) {
      transfer.corrupt += 1;
      transfer.lastCorruption = intact.error.message;
      this.deps.log.warn('corrupt model chunk refused', {
        index: parsed.data.index,
        reason: intact.error.message,
      });
      transfer.onChunk?.(false);
      return intact;
    }
    const receipt = transfer.reassembler.push(parsed.data);
    if (receipt.ok) transfer.onChunk?.(true);
    return receipt;
  }
}
