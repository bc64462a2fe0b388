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
import { ownBuffer, type Progress, WorkerCalls } from './worker-calls.ts';

// Compiled, the worker is plain JavaScript beside this file; run from the sources it needs the dev shim.
const WORKER_ENTRY = import.meta.url.endsWith('.ts') ? './trainer-worker.dev.js' : './trainer-worker.js';

type Request = { type: WorkerRequest['type']; id: number } & Record<string, unknown>;

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
  private readonly calls: WorkerCalls;
  private closing = false;
  private crashListener: ((err: Error) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The tfjs backend the worker runs on. */
    readonly backend: string,
    log: Logger,
  ) {
    this.calls = new WorkerCalls(worker, log);
    worker.on('message', (reply: WorkerReply) => this.calls.onReply(reply));
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
  train(req: TrainRequest, onProgress?: Progress): Promise<TrainOutcome> {
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
    options: { transfer?: ArrayBuffer[]; onProgress?: Progress } = {},
  ): Promise<T> {
    if (this.closing) return Promise.reject(new Error('the trainer is closed'));
    return this.calls.send<T>(body, options.transfer, options.onProgress);
  }

  private fail(err: Error): void {
    this.calls.failAll(err);
    if (!this.closing) {
      this.closing = true;
      this.crashListener?.(err);
    }
  }
}
