import { Worker } from 'node:worker_threads';

import type { Logger } from '../log/logger.ts';
import type {
  DataSummary,
  EvaluateOutcome,
  EvaluateRequest,
  TrainOutcome,
  TrainRequest,
  WorkerReply,
  WorkerRequest,
  WorkerStartData,
} from './messages.ts';

// Compiled, the worker is plain JavaScript beside this file; run from the sources it needs the dev shim.
const WORKER_ENTRY = import.meta.url.endsWith('.ts') ? './trainer-worker.dev.js' : './trainer-worker.js';

type Request = { type: WorkerRequest['type']; id: number } & Record<string, unknown>;

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  onProgress?: (epoch: number, epochs: number, loss: number) => void;
}

/** Options of Trainer.start. */
export interface TrainerOptions {
  /** Backend to ask the model package for (`auto` walks its preference order). */
  backend: string;
  /** Training threads (default 1): more than one trains data-parallel on the wasm and cpu backends. */
  threads?: number;
  log: Logger;
}

/**
 * The main thread's handle on the training worker: loads the site data, trains and evaluates there, and
 * passes weight vectors by transferring their buffers (no copies through structured clone).
 */
export class Trainer {
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private closing = false;
  private crashListener: ((err: Error) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The tfjs backend the worker runs on. */
    readonly backend: string,
    private readonly log: Logger,
  ) {
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    // A worker may throw any value; @types/node 24 types it `any`.
    worker.on('error', (err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => this.fail(new Error(`the training worker exited (code ${code})`)));
  }

  /** Start the worker and wait until its backend is ready. */
  static async start(options: TrainerOptions): Promise<Trainer> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`Trainer: threads must be a whole number ≥ 1, got ${threads}`);
    const workerData: WorkerStartData = { backend: options.backend, threads };
    const worker = new Worker(new URL(WORKER_ENTRY, import.meta.url), { workerData });
    const backend = await new Promise<string>((resolve, reject) => {
      const onMessage = (reply: WorkerReply): void => {
        if (reply.type === 'log') options.log[reply.level](reply.msg, reply.fields);
        if (reply.type === 'ready') resolve(reply.backend);
        if (reply.type === 'fatal') reject(new Error(`no model backend: ${reply.message}`));
        if (reply.type === 'ready' || reply.type === 'fatal') worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the training worker exited during start-up (code ${code})`)),
      );
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    worker.removeAllListeners('error').removeAllListeners('exit');
    return new Trainer(worker, backend, options.log);
  }

  /** Called once if the worker dies while the trainer is open. */
  onCrash(listener: (err: Error) => void): void {
    this.crashListener = listener;
  }

  /** Load the site data from its YAML config (inside the worker). */
  loadData(configPath: string): Promise<DataSummary> {
    return this.call<DataSummary>({ type: 'load', configPath });
  }

  /** Train one local round; `global` is transferred to the worker (unusable here afterwards). */
  train(req: TrainRequest, onProgress?: Waiter['onProgress']): Promise<TrainOutcome> {
    const global = ownBuffer(req.global);
    return this.call<TrainOutcome>(
      { type: 'train', ...req, global },
      { transfer: [global.buffer], onProgress },
    );
  }

  /** Evaluate on the held-out split; `weights` is transferred to the worker. */
  evaluate(req: EvaluateRequest): Promise<EvaluateOutcome> {
    const weights = ownBuffer(req.weights);
    return this.call<EvaluateOutcome>({ type: 'evaluate', ...req, weights }, { transfer: [weights.buffer] });
  }

  /** Stop the worker and its replica threads; pending requests fail. */
  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private call<T>(
    body: Omit<Request, 'id'>,
    options: { transfer?: ArrayBuffer[]; onProgress?: Waiter['onProgress'] } = {},
  ): Promise<T> {
    if (this.closing) return Promise.reject(new Error('the trainer is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: options.onProgress,
      });
      this.worker.postMessage({ ...body, id }, options.transfer ?? []);
    });
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'log') return this.log[reply.level](reply.msg, reply.fields);
    if (reply.type === 'ready' || reply.type === 'fatal') return;
    const waiter = this.waiters.get(reply.id);
    if (!waiter) return;
    if (reply.type === 'progress') return waiter.onProgress?.(reply.epoch, reply.epochs, reply.loss);
    this.waiters.delete(reply.id);
    if (reply.type === 'done') waiter.resolve(reply.result);
    else waiter.reject(new Error(reply.message));
  }

  private fail(err: Error): void {
    for (const waiter of this.waiters.values()) waiter.reject(err);
    this.waiters.clear();
    if (!this.closing) {
      this.closing = true;
      this.crashListener?.(err);
    }
  }
}

/** `values` over a buffer of its own, so transferring it detaches nothing else. */
function ownBuffer(values: Float32Array): Float32Array<ArrayBuffer> {
  if (
    values.byteOffset === 0 &&
    values.byteLength === values.buffer.byteLength &&
    values.buffer instanceof ArrayBuffer
  ) {
    return values as Float32Array<ArrayBuffer>;
  }
  return values.slice();
}
