import * as tf from '@tensorflow/tfjs-core';
import type { ModelBatch } from './batch.ts';
import { encodeImage } from './imaging-encoder.ts';
import type { TriModalModel } from './model.ts';

/** Rows × width values, row-major. */
export interface RowMatrix {
  values: Float32Array;
  width: number;
}

/**
 * Two points on the imaging path of every row of `batch` (inference; rows without an image read zeros):
 * the features the encoder's projection reads, and the embedding it projects them to. A probe fitted on
 * each says where along the path a cue is lost (`packages/data/scripts/imaging-path-probe.ts`).
 */
export function imagingRepresentations(
  model: TriModalModel,
  batch: ModelBatch,
  o: { batchSize?: number } = {},
): { features: RowMatrix; embedding: RowMatrix } {
  const [h, w, c] = model.config.imageShape;
  const size = h * w * c;
  const step = o.batchSize ?? 256;
  const features: Float32Array[] = [];
  const embedding: Float32Array[] = [];
  let widths = { features: 0, embedding: 0 };
  for (let start = 0; start < batch.n; start += step) {
    const rows = Math.min(step, batch.n - start);
    tf.tidy(() => {
      const image = tf.tensor4d(batch.image.subarray(start * size, (start + rows) * size), [rows, h, w, c]);
      const { features: f, z } = encodeImage(model, image);
      widths = { features: f.shape[1], embedding: z.shape[1] };
      features.push(f.dataSync() as Float32Array);
      embedding.push(z.dataSync() as Float32Array);
    });
  }
  const joined = (parts: Float32Array[], width: number): RowMatrix => {
    const values = new Float32Array(batch.n * width);
    let offset = 0;
    for (const part of parts) {
      values.set(part, offset);
      offset += part.length;
    }
    return { values, width };
  };
  return { features: joined(features, widths.features), embedding: joined(embedding, widths.embedding) };
}
