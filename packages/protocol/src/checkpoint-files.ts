import { z } from 'zod';

import type { Ack } from './errors.ts';
import { fail, ok } from './errors.ts';
import { TensorSpec, manifestSize } from './manifest.ts';
import { ModelSpec } from './model-spec.ts';
import { Sha256Hex } from './primitives.ts';
import { readFloat32LE, writeFloat32LE } from './wire/float-bytes.ts';
import { sha256Hex } from './wire/sha256.ts';
import type { Weights } from './wire/weights-codec.ts';

/**
 * A downloaded checkpoint: `model.json` in tfjs's weights-manifest layout (no layers topology: the
 * model is rebuilt from `modelSpec`) beside one file of little-endian float32 values.
 */
export const CHECKPOINT_FORMAT = 'fedfuse-tfjs-weights';

// A bare file name: a model.json must not point its reader at another directory.
const SiblingFile = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\]+$/, 'expected a file name next to model.json, without a directory')
  .refine((name) => name !== '.' && name !== '..', 'expected a file name, not . or ..');

export const CheckpointModelJson = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  generatedBy: z.string().max(200),
  modelTopology: z.null(),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(SiblingFile).length(1),
        weights: z
          .array(TensorSpec.extend({ dtype: z.literal('float32') }))
          .min(1)
          .max(10_000),
      }),
    )
    .length(1),
  userDefinedMetadata: z.object({
    modelSpec: ModelSpec,
    runId: z.string().max(200),
    round: z.int().min(1),
    weightsSha256: Sha256Hex,
  }),
});
export type CheckpointModelJson = z.infer<typeof CheckpointModelJson>;

/**
 * The name a checkpoint file is served and saved under, one that survives every file system:
 * `checkpointFileName('My run', 3, 'weights.bin')` is `my-run-round-3-weights.bin`.
 */
export function checkpointFileName(
  runName: string,
  round: number,
  file: 'model.json' | 'weights.bin',
): string {
  const slug =
    runName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'run';
  return `${slug}-round-${round}-${file}`;
}

/** `model.json` (naming its weights file as `weightsFile`) and the bytes of that file. */
export async function checkpointFiles(o: {
  weights: Weights;
  modelSpec: ModelSpec;
  runId: string;
  round: number;
  weightsFile: string;
}): Promise<{ modelJson: CheckpointModelJson; weightsBin: Uint8Array }> {
  const weightsBin = new Uint8Array(o.weights.values.byteLength);
  writeFloat32LE(o.weights.values, weightsBin);
  const modelJson: CheckpointModelJson = {
    format: CHECKPOINT_FORMAT,
    generatedBy: 'fedfuse-coordinator',
    modelTopology: null,
    weightsManifest: [
      {
        paths: [o.weightsFile],
        weights: o.weights.manifest.tensors.map((t) => ({ ...t, dtype: 'float32' as const })),
      },
    ],
    userDefinedMetadata: {
      modelSpec: o.modelSpec,
      runId: o.runId,
      round: o.round,
      weightsSha256: await sha256Hex(weightsBin),
    },
  };
  return { modelJson, weightsBin };
}

/**
 * The weights of a checkpoint from its `model.json` and weights bytes, refused with the reason when the
 * bytes are not the ones it describes (truncated, corrupt, or another checkpoint's).
 */
export async function readCheckpointWeights(
  modelJson: CheckpointModelJson,
  weightsBin: Uint8Array,
): Promise<Ack<Weights>> {
  const [group] = modelJson.weightsManifest;
  const tensors = group!.weights.map(({ name, shape }) => ({ name, shape }));
  const numParams = manifestSize(tensors);
  const file = group!.paths[0]!;
  if (weightsBin.byteLength !== numParams * 4)
    return fail(
      'invalid_payload',
      `${file} holds ${weightsBin.byteLength} bytes; model.json describes ${numParams} float32 values (${numParams * 4} bytes)`,
    );
  if ((await sha256Hex(weightsBin)) !== modelJson.userDefinedMetadata.weightsSha256)
    return fail(
      'hash_mismatch',
      `${file} does not match the SHA-256 in model.json (corrupt, or another checkpoint's weights)`,
    );
  return ok({ manifest: { dtype: 'float32', tensors, numParams }, values: readFloat32LE(weightsBin) });
}
