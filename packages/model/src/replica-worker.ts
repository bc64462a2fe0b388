import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { initBackend } from './backend.ts';
import { GradientExchange } from './gradient-exchange.ts';
import { createModel, type TriModalModel } from './model.ts';
import type { ReplicaReply, ReplicaStartData, ReplicaTrainRequest } from './replica-messages.ts';
import { trainReplica } from './train.ts';
import { getWeights, setWeights } from './weights.ts';

// One replica of a data-parallel training group (training-pool.ts): a model copy on a one-thread backend.

function requirePort(): MessagePort {
  if (!parentPort) throw new Error('replica-worker must run in a worker thread');
  return parentPort;
}

const port = requirePort();
const post = (reply: ReplicaReply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);
let cached: { key: string; model: TriModalModel } | undefined;

function modelFor(request: ReplicaTrainRequest): TriModalModel {
  const key = JSON.stringify(request.config);
  if (cached?.key !== key) {
    cached?.model.dispose();
    cached = { key, model: createModel(request.config) };
  }
  return cached.model;
}

function train(request: ReplicaTrainRequest): void {
  const { id, seat } = request;
  try {
    const model = modelFor(request);
    setWeights(model, request.weights);
    const leader = seat.index === 0;
    const onEpoch = leader
      ? (epoch: number, loss: number) => post({ type: 'progress', id, epoch, loss })
      : undefined;
    const result = trainReplica(model, request.batch, {
      options: { ...request.options, onEpoch },
      exchange: new GradientExchange(seat),
    });
    if (!leader) return post({ type: 'done', id });
    const { weights } = getWeights(model);
    post({ type: 'done', id, trained: { weights, result } }, [weights.buffer as ArrayBuffer]);
  } catch (err) {
    // The others wait for this replica at the next step: wake them so they fail too.
    GradientExchange.abort(seat.buffer);
    post({ type: 'failed', id, message: err instanceof Error ? err.message : String(err) });
  }
}

async function main(): Promise<void> {
  const { backend } = workerData as ReplicaStartData;
  try {
    await initBackend({ backend, wasmThreads: 1, log: () => {} });
  } catch (err) {
    post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.on('message', (request: ReplicaTrainRequest) => train(request));
  post({ type: 'ready' });
}

await main();
