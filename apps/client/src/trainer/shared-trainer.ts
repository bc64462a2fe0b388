import { Worker } from 'node:worker_threads';

import type { Logger } from '../log/logger.ts';
import type {
  DataSummary,
  EvaluateOutcome,
  EvaluateRequest,
  TrainOutcome,
  TrainRequest,
  WorkerStartData,
} from './messages.ts';
import type { SharedReply, SharedRequest } from './shared-messages.ts';
import type { SiteTrainer } from './site-trainer.ts';
import { ownBuffer, type Progress, WorkerCalls } from './worker-calls.ts';

const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? './shared-trainer-worker.dev.js'
  : './shared-trainer-worker.js';

type RequestBody = SharedRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * One training worker (one tfjs/wasm runtime) for many sites in one process: each site gets a handle that
 * looks like its own Trainer, its data and model stay apart in the worker, and the worker trains the sites
 * in turn. A failed request fails for its site only; the worker dying fails every site.
 */
export class SharedTrainer {
  private readonly calls: WorkerCalls;
  private readonly crashListeners = new Map<string, (err: Error) => void>();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly backend: string,
    log: Logger,
  ) {
    this.calls = new WorkerCalls(worker, log);
    worker.on('message', (reply: SharedReply) => this.calls.onReply(reply));
    worker.on('error', (err: unknown) => this.crashed(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => this.crashed(new Error(`the shared training worker exited (code ${code})`)));
  }

  /** Start the worker; resolves once its backend is ready. */
  static async start(options: { backend: string; log: Logger }): Promise<SharedTrainer> {
    // One thread: a host's sites train in turn, and the simulator runs one host per core.
    const workerData: WorkerStartData = { backend: options.backend, threads: 1 };
    const worker = new Worker(new URL(WORKER_ENTRY, import.meta.url), { workerData });
    let onStartup: ((reply: SharedReply) => void) | undefined;
    try {
      const backend = await new Promise<string>((resolve, reject) => {
        onStartup = (reply: SharedReply) => {
          if (reply.type === 'log') options.log[reply.level](reply.msg, reply.fields);
          else if (reply.type === 'ready') resolve(reply.backend);
          else if (reply.type === 'fatal') reject(new Error(`no model backend: ${reply.message}`));
        };
        worker.on('message', onStartup);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the shared training worker exited (code ${code})`)));
      });
      // Only the start-up listeners: removing every listener would also detach the worker's message port.
      worker.off('message', onStartup!).removeAllListeners('error').removeAllListeners('exit');
      return new SharedTrainer(worker, backend, options.log);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /** The trainer of one site; closing it frees the site's data and model in the worker, nothing else. */
  forSite(site: string): SiteTrainer {
    if (this.crashListeners.has(site)) throw new Error(`site ${site} already has a trainer in this worker`);
    this.crashListeners.set(site, () => {});
    let closed = false;
    const call = <T>(body: RequestBody, transfer: ArrayBuffer[] = [], onProgress?: Progress): Promise<T> =>
      closed ? Promise.reject(new Error('the trainer is closed')) : this.call<T>(body, transfer, onProgress);
    return {
      backend: this.backend,
      loadData: (configPath: string) => call<DataSummary>({ type: 'load', site, configPath }),
      train: (req: TrainRequest, onProgress?: Progress) => {
        const global = ownBuffer(req.global);
        return call<TrainOutcome>({ type: 'train', site, ...req, global }, [global.buffer], onProgress);
      },
      evaluate: (req: EvaluateRequest) => {
        const weights = ownBuffer(req.weights);
        return call<EvaluateOutcome>({ type: 'evaluate', site, ...req, weights }, [weights.buffer]);
      },
      onCrash: (listener: (err: Error) => void) => void this.crashListeners.set(site, listener),
      close: async () => {
        if (closed) return;
        closed = true;
        this.crashListeners.delete(site);
        if (!this.closed) await this.call({ type: 'unload', site }).catch(() => undefined);
      },
    };
  }

  /** Stop the worker; every site's pending request fails. */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private call<T>(body: RequestBody, transfer: ArrayBuffer[] = [], onProgress?: Progress): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the shared trainer is closed'));
    return this.calls.send<T>(body, transfer, onProgress);
  }

  private crashed(err: Error): void {
    this.calls.failAll(err);
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.crashListeners.values()) listener(err);
  }
}
