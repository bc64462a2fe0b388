import type { Worker } from 'node:worker_threads';

import type { Logger } from '../log/logger.ts';
import type { WorkerReply } from './messages.ts';

/** Called for every finished epoch of a training request. */
export type Progress = (epoch: number, epochs: number, loss: number) => void;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  onProgress?: Progress;
}

/** A reply either training worker sends (the shared one may also finish with nothing). */
type CallReply = WorkerReply | { type: 'done'; id: number; result: undefined };

/**
 * Requests to a training worker matched to their replies by id: the bookkeeping the one-site Trainer and
 * the SharedTrainer have in common. Worker log lines go to `log`.
 */
export class WorkerCalls {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly worker: Worker,
    private readonly log: Logger,
  ) {}

  /** Post `body` with a fresh id; resolves with the worker's result, rejects with its failure. */
  send<T>(body: object, transfer: ArrayBuffer[] = [], onProgress?: Progress): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  /** Route one reply: a log line, a progress report, or the end of a request. */
  onReply(reply: CallReply): void {
    if (reply.type === 'log') return this.log[reply.level](reply.msg, reply.fields);
    if (reply.type === 'ready' || reply.type === 'fatal') return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    if (reply.type === 'progress') return waiting.onProgress?.(reply.epoch, reply.epochs, reply.loss);
    this.pending.delete(reply.id);
    if (reply.type === 'done') waiting.resolve(reply.result);
    else waiting.reject(new Error(reply.message));
  }

  /** Fail every request still waiting (the worker died or was stopped). */
  failAll(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}

/** `values` over a buffer of its own, so transferring it detaches nothing else. */
export function ownBuffer(values: Float32Array): Float32Array<ArrayBuffer> {
  const whole = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
  return whole && values.buffer instanceof ArrayBuffer
    ? (values as Float32Array<ArrayBuffer>)
    : values.slice();
}
