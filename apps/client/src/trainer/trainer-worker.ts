import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { initBackend, TrainingPool, type BackendName } from '@fedfuse/model';

import { LocalModel } from './local-model.ts';
import type { WorkerReply, WorkerRequest, WorkerStartData } from './messages.ts';

// Training is synchronous tfjs work that blocks for seconds; it runs here so the main thread keeps the
// socket's heartbeats going. Requests are handled strictly one after another.

function requirePort(): MessagePort {
  if (!parentPort) throw new Error('trainer-worker must run in a worker thread');
  return parentPort;
}

const port = requirePort();

const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);
let queue: Promise<void> = Promise.resolve();

async function handle(local: LocalModel, req: WorkerRequest): Promise<void> {
  try {
    if (req.type === 'load') {
      post({ type: 'done', id: req.id, result: await local.load(req.configPath) });
    } else if (req.type === 'train') {
      const onEpoch = (epoch: number, loss: number): void =>
        post({ type: 'progress', id: req.id, epoch, epochs: req.config.epochs, loss });
      const result = await local.train(req, onEpoch);
      post({ type: 'done', id: req.id, result }, [result.delta.buffer as ArrayBuffer]);
    } else {
      post({ type: 'done', id: req.id, result: await local.evaluate(req) });
    }
  } catch (err) {
    post({ type: 'failed', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
}

// Native TensorFlow spreads each operation over the cores itself; replicas only help the others.
const REPLICATED_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

/** Replica threads for `threads` > 1 on a backend that runs one thread; a dead replica ends this worker. */
async function startPool(backend: BackendName, threads: number): Promise<TrainingPool | undefined> {
  if (threads <= 1) return undefined;
  if (!REPLICATED_BACKENDS.includes(backend)) {
    post({ type: 'log', level: 'info', msg: `threads: ${threads} left to the ${backend} backend itself` });
    return undefined;
  }
  const pool = await TrainingPool.start({ threads, backend });
  pool.onCrash((err) => {
    post({ type: 'log', level: 'error', msg: 'a training thread crashed', fields: { error: err.message } });
    // The trainer's owner sees this worker exit, as for any crash of training.
    process.exit(1);
  });
  post({ type: 'log', level: 'info', msg: `training on ${threads} threads (data-parallel)` });
  return pool;
}

async function main(): Promise<void> {
  const { backend, threads } = workerData as WorkerStartData;
  let local: LocalModel;
  try {
    const info = await initBackend({
      backend: backend as BackendName | 'auto',
      log: (line) => post({ type: 'log', level: 'info', msg: line }),
    });
    local = new LocalModel(await startPool(info.name, threads));
    post({ type: 'ready', backend: info.name });
  } catch (err) {
    post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(() => handle(local, req));
  });
}

await main();
