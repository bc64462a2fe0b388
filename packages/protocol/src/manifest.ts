import { z } from 'zod';

import { MAX_PARAMS, MAX_TENSOR_RANK, MAX_TENSORS } from './limits.ts';

/** One named tensor inside a flat float32 weights vector, in order. */
export const TensorSpec = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces'),
  shape: z.array(z.int().min(0).max(MAX_PARAMS)).max(MAX_TENSOR_RANK),
});
export type TensorSpec = z.infer<typeof TensorSpec>;

/** Parameters in a tensor of `shape`, or Infinity when it exceeds MAX_PARAMS (checked without overflow). */
export function tensorSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > MAX_PARAMS) return Number.POSITIVE_INFINITY;
  }
  return n;
}

/** Parameters a manifest describes (Infinity when over MAX_PARAMS). */
export function manifestSize(tensors: readonly TensorSpec[]): number {
  let total = 0;
  for (const t of tensors) total += tensorSize(t.shape);
  return total;
}

/** Layout of a weights vector: tensor names and shapes in order, and the total parameter count. */
export const WeightsManifest = z
  .object({
    dtype: z.literal('float32'),
    tensors: z.array(TensorSpec).min(1).max(MAX_TENSORS),
    numParams: z.int().min(0).max(MAX_PARAMS),
  })
  .superRefine((m, ctx) => {
    const names = new Set<string>();
    m.tensors.forEach((t, i) => {
      if (names.has(t.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tensors', i, 'name'],
          message: `duplicate tensor "${t.name}"`,
        });
      }
      names.add(t.name);
    });
    const size = manifestSize(m.tensors);
    if (size !== m.numParams) {
      ctx.addIssue({
        code: 'custom',
        path: ['numParams'],
        message: `numParams is ${m.numParams} but the tensor shapes add up to ${size}`,
      });
    }
  });
export type WeightsManifest = z.infer<typeof WeightsManifest>;
