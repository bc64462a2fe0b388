import type { BackendName } from './backend-names.ts';
import type { ModelBatch } from './batch.ts';
import type { ModelConfig } from './config.ts';
import type { ExchangeSeat } from './gradient-exchange.ts';
import type { TrainOptions, TrainResult } from './train.ts';

/** Data a replica thread starts with. */
export interface ReplicaStartData {
  backend: BackendName;
}

/** One local round for one replica: the batch's arrays are views of shared memory. */
export interface ReplicaTrainRequest {
  type: 'train';
  id: number;
  config: ModelConfig;
  weights: Float32Array;
  batch: ModelBatch;
  options: Omit<TrainOptions, 'onEpoch'>;
  seat: ExchangeSeat;
}

/** Messages from a replica thread; replica 0 alone reports progress and the trained weights. */
export type ReplicaReply =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'progress'; id: number; epoch: number; loss: number }
  | { type: 'done'; id: number; trained?: { weights: Float32Array; result: TrainResult } }
  | { type: 'failed'; id: number; message: string };
