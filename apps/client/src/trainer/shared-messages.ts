import type { WorkerReply, WorkerRequest } from './messages.ts';

/** A request to the shared worker: the single-site request plus the site it is for. */
export type SharedRequest = (WorkerRequest | { type: 'unload'; id: number }) & { site: string };

/** The shared worker answers like the single-site one; `unload` is done with nothing to return. */
export type SharedReply = WorkerReply | { type: 'done'; id: number; result: undefined };
