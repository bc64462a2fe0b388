import { Worker } from 'node:worker_threads';
import type { BackendName } from './backend-names.ts';
import type { ModelBatch } from './batch.ts';
import { ANOTHER_REPLICA_FAILED, GradientExchange } from './gradient-exchange.ts';
import { LOSS_TERMS } from './loss.ts';
import type { TriModalModel } from './model.ts';
import type { ReplicaReply, ReplicaStartData, ReplicaTrainRequest } from './replica-messages.ts';
import type { TrainOptions, TrainResult } from './train.ts';
import { getWeights, setWeights } from './weights.ts';

// Compiled, the replica is plain JavaScript beside this file; run from the sources it needs the dev shim.
const REPLICA_ENTRY = import.meta.url.endsWith('.ts') ? './replica-worker.dev.js' : './replica-worker.js';
const DEFAULT_STEP_WAIT_MS = 10 * 60_000;

/** Options of TrainingPool.start. */
export interface TrainingPoolOptions {
  /** Replica threads, one core each. */
  threads: number;
  backend?: BackendName;
  /** How long a replica waits for the slowest one at a step before the round fails. */
  stepWaitLimitMs?: number;
}

interface Round {
  id: number;
  buffer: SharedArrayBuffer;
  pending: Set<number>;
  failures: string[];
  trained?: { weights: Float32Array; result: TrainResult };
  onEpoch?: TrainOptions['onEpoch'];
  resolve: (trained: { weights: Float32Array; result: TrainResult }) => void;
  reject: (err: Error) => void;
}

/**
 * Data-parallel training on worker threads: every replica holds the model, trains on its part of each
 * mini-batch, and all apply the summed gradient, so a round ends with the weights one thread would reach
 * (to float rounding; the denoising noise is drawn per part).
 * @example const pool = await TrainingPool.start({ threads: 4 }); await pool.train(model, batch, options)
 */
export class TrainingPool {
  private nextId = 1;
  private closed = false;
  private round: Round | undefined;
  private crashListener: ((err: Error) => void) | undefined;

  private constructor(
    private readonly workers: Worker[],
    private readonly stepWaitLimitMs: number,
  ) {
    workers.forEach((worker, index) => {
      worker.on('message', (reply: ReplicaReply) => this.onReply(index, reply));
      // A worker may throw any value; @types/node 24 types it `any`.
      worker.on('error', (err: unknown) =>
        this.crash(index, err instanceof Error ? err : new Error(String(err))),
      );
      worker.on('exit', (code) => this.crash(index, new Error(`it exited (code ${code})`)));
    });
  }

  /** Start the replica threads and wait until each backend is ready. */
  static async start(options: TrainingPoolOptions): Promise<TrainingPool> {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`TrainingPool: threads must be a whole number ≥ 1, got ${threads}`);
    const workerData: ReplicaStartData = { backend: options.backend ?? 'wasm' };
    const workers = Array.from(
      { length: threads },
      () => new Worker(new URL(REPLICA_ENTRY, import.meta.url), { workerData }),
    );
    try {
      await Promise.all(workers.map(replicaReady));
    } catch (err) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw err;
    }
    return new TrainingPool(workers, options.stepWaitLimitMs ?? DEFAULT_STEP_WAIT_MS);
  }

  /** Replica threads in the pool. */
  get threads(): number {
    return this.workers.length;
  }

  /** Called once if a replica thread dies while the pool is open (the pool is closed by then). */
  onCrash(listener: (err: Error) => void): void {
    this.crashListener = listener;
  }

  /** trainLocalRound across the replicas: trains `model` in place and returns the same result. */
  train(model: TriModalModel, batch: ModelBatch, options: TrainOptions): Promise<TrainResult> {
    if (this.closed) return Promise.reject(new Error('the training pool is closed'));
    if (this.round) return Promise.reject(new Error('the training pool trains one round at a time'));
    const { onEpoch, ...rest } = options;
    const size = model.variables.reduce((sum, v) => sum + v.size, 0) + LOSS_TERMS.length;
    const buffer = GradientExchange.allocate(this.threads, size);
    const shared = sharedBatch(batch);
    const { weights } = getWeights(model);
    const id = this.nextId++;
    const trained = new Promise<NonNullable<Round['trained']>>((resolve, reject) => {
      this.round = {
        id,
        buffer,
        pending: new Set(this.workers.keys()),
        failures: [],
        onEpoch,
        resolve,
        reject,
      };
    });
    try {
      this.workers.forEach((worker, index) => {
        const seat = { buffer, replicas: this.threads, index, size, waitLimitMs: this.stepWaitLimitMs };
        const request: ReplicaTrainRequest = {
          type: 'train',
          id,
          config: model.config,
          weights,
          batch: shared,
          options: rest,
          seat,
        };
        worker.postMessage(request);
      });
    } catch (err) {
      // A request that cannot be cloned: the replicas that got theirs are released by the abort.
      this.failRound(err instanceof Error ? err : new Error(String(err)));
    }
    return trained.then(({ weights: after, result }) => {
      setWeights(model, after);
      return result;
    });
  }

  /** Stop every replica thread; a round in progress fails. */
  async close(): Promise<void> {
    this.closed = true;
    this.failRound(new Error('the training pool was closed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private onReply(index: number, reply: ReplicaReply): void {
    const round = this.round;
    if (!round || !('id' in reply) || reply.id !== round.id) return;
    if (reply.type === 'progress') return round.onEpoch?.(reply.epoch, reply.loss);
    if (reply.type === 'done') round.trained ??= reply.trained;
    if (reply.type === 'failed') round.failures.push(reply.message);
    round.pending.delete(index);
    if (round.pending.size > 0) return;
    this.round = undefined;
    // The replica that failed first says why; the others only report that it did.
    const cause = round.failures.find((m) => m !== ANOTHER_REPLICA_FAILED) ?? round.failures[0];
    if (cause !== undefined) round.reject(new Error(cause));
    else if (round.trained) round.resolve(round.trained);
    else round.reject(new Error('no training replica returned the weights'));
  }

  private crash(index: number, err: Error): void {
    if (this.closed) return;
    this.closed = true;
    const crash = new Error(`training replica ${index} crashed: ${err.message}`);
    this.failRound(crash);
    for (const worker of this.workers) void worker.terminate();
    this.crashListener?.(crash);
  }

  private failRound(err: Error): void {
    const round = this.round;
    if (!round) return;
    this.round = undefined;
    GradientExchange.abort(round.buffer);
    round.reject(err);
  }
}

function replicaReady(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Only these listeners go: removing all would take the worker's own, which carry its messages.
    const settle = (err?: Error): void => {
      worker.off('message', onMessage).off('error', settle).off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (reply: ReplicaReply): void => {
      if (reply.type === 'ready') settle();
      if (reply.type === 'fatal') settle(new Error(`a training replica has no backend: ${reply.message}`));
    };
    const onExit = (code: number): void =>
      settle(new Error(`a training replica exited during start-up (code ${code})`));
    worker.on('message', onMessage).on('error', settle).on('exit', onExit);
  });
}

/** The batch over shared memory: every replica reads the same rows without its own copy. */
function sharedBatch(batch: ModelBatch): ModelBatch {
  const share = <T extends Float32Array | Uint8Array>(
    values: T,
    make: (buffer: SharedArrayBuffer) => T,
  ): T => {
    const copy = make(new SharedArrayBuffer(values.byteLength));
    copy.set(values);
    return copy;
  };
  const floats = (values: Float32Array) => share(values, (buffer) => new Float32Array(buffer));
  return {
    n: batch.n,
    ehr: floats(batch.ehr),
    image: floats(batch.image),
    genomics: floats(batch.genomics),
    labels: floats(batch.labels),
    present: share(batch.present, (buffer) => new Uint8Array(buffer)),
  };
}
