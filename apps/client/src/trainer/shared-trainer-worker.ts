import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendName } from '@fedfuse/model';

import { LocalModel } from './local-model.ts';
import type { WorkerStartData } from './messages.ts';
import type { SharedReply, SharedRequest } from './shared-messages.ts';

// One tfjs runtime for many sites of one process (the simulator's site hosts): each site's data and model
// stay apart in its own LocalModel, requests run one after another whichever site sent them.

if (!parentPort) throw new Error('shared-trainer-worker must run in a worker thread');
const port = parentPort;
const sites = new Map<string, LocalModel>();
const send = (reply: SharedReply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);

function siteModel(site: string): LocalModel {
  const local = sites.get(site);
  if (!local) throw new Error(`site ${site} has no data loaded`);
  return local;
}

async function answer(req: SharedRequest): Promise<void> {
  switch (req.type) {
    case 'load': {
      const local = sites.get(req.site) ?? new LocalModel();
      const summary = await local.load(req.configPath);
      sites.set(req.site, local);
      return send({ type: 'done', id: req.id, result: summary });
    }
    case 'train': {
      const epochs = req.config.epochs;
      const outcome = await siteModel(req.site).train(req, (epoch, loss) =>
        send({ type: 'progress', id: req.id, epoch, epochs, loss }),
      );
      return send({ type: 'done', id: req.id, result: outcome }, [outcome.delta.buffer as ArrayBuffer]);
    }
    case 'evaluate':
      return send({ type: 'done', id: req.id, result: await siteModel(req.site).evaluate(req) });
    case 'unload':
      sites.get(req.site)?.dispose();
      sites.delete(req.site);
      return send({ type: 'done', id: req.id, result: undefined });
  }
}

async function serve(req: SharedRequest): Promise<void> {
  try {
    await answer(req);
  } catch (err) {
    send({ type: 'failed', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
}

const { backend } = workerData as WorkerStartData;
const ready = await initBackend({
  backend: backend as BackendName | 'auto',
  log: (line) => send({ type: 'log', level: 'info', msg: line }),
}).then(
  (info) => info.name,
  (err: unknown) => {
    send({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    return undefined;
  },
);
if (ready !== undefined) {
  let queue = Promise.resolve();
  port.on('message', (req: SharedRequest) => {
    queue = queue.then(() => serve(req));
  });
  send({ type: 'ready', backend: ready });
}
