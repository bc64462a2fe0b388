import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { initBackend, type BackendName } from '@fedfuse/model';

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
const local = new LocalModel();
let queue: Promise<void> = Promise.resolve();

async function handle(req: WorkerRequest): Promise<void> {
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

async function main(): Promise<void> {
  const { backend } = workerData as WorkerStartData;
  try {
    const info = await initBackend({
      backend: backend as BackendName | 'auto',
      log: (line) => post({ type: 'log', level: 'info', msg: line }),
    });
    post({ type: 'ready', backend: info.name });
  } catch (err) {
    post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(() => handle(req));
  });
}

await main();
