import { z } from 'zod';

import { Name } from './primitives.ts';

/** Fusions the model builds; @fedfuse/model takes them from here. */
export const FUSIONS = ['hybrid', 'attention', 'concat', 'early', 'late'] as const;

/** Aggregation strategies a run may name (docs/strategies.md). */
export const STRATEGIES = [
  'fedavg',
  'fedprox',
  'fedadam',
  'fedyogi',
  'fedadagrad',
  'fedavgm',
  'fedmedian',
  'trimmedmean',
  'krum',
] as const;

/** The input modalities a model may have, in the order of its `present` flags. */
export const MODEL_MODALITIES = ['ehr', 'imaging', 'genomics'] as const;
export type ModelModality = (typeof MODEL_MODALITIES)[number];

/** The architecture every site builds for a run (the wire form of @fedfuse/model's ModelConfig). */
export const ModelSpec = z.object({
  fusion: z.enum(FUSIONS),
  /** Modalities the model has encoders for; one that no site holds is left out (no placeholders). */
  modalities: z
    .array(z.enum(MODEL_MODALITIES))
    .min(1)
    .max(3)
    .refine((list) => new Set(list).size === list.length, 'modalities must be distinct')
    .default([...MODEL_MODALITIES]),
  tasks: z.array(Name).min(1).max(64),
  ehrDim: z.int().min(1).max(100_000),
  genomicsDim: z.int().min(1).max(100_000),
  imageShape: z.tuple([z.int().min(1).max(4096), z.int().min(1).max(4096), z.int().min(1).max(4)]),
  d: z.int().min(1).max(4096),
  ehrHidden: z.int().min(1).max(4096),
  genomicsHidden: z.int().min(1).max(4096),
  convFilters: z.array(z.int().min(1).max(1024)).min(1).max(8),
  /** Imaging encoder options (@fedfuse/model ModelConfig); absent: the model's defaults. */
  imageStandardize: z.boolean().optional(),
  imageGroupNorm: z.int().min(0).max(1024).optional(),
  imagePooling: z.enum(['flatten', 'global']).optional(),
  imageLinearGrid: z.int().min(0).max(256).optional(),
  imageRateScale: z.number().positive().max(100).optional(),
  imageDecayFactor: z.number().min(0).max(1000).optional(),
  imageFeatureDropout: z.number().min(0).lt(1).optional(),
  imageTexture: z.boolean().optional(),
  /** Constants the texture energies are standardised by, pooled from the sites' sums; null or absent: raw. */
  imageTextureNorm: z
    .object({
      center: z.array(z.number()).min(1).max(24),
      scale: z.array(z.number().positive()).min(1).max(24),
    })
    .nullable()
    .optional(),
  imageLastGroupNorm: z.boolean().optional(),
  imageIntensityStats: z.boolean().optional(),
  imageReconWeight: z.number().min(0).max(100).optional(),
  imageReconGrid: z.int().min(1).max(256).optional(),
  /** Probability that a training row keeps only one of its modalities (@fedfuse/model ModelConfig). */
  modalitySoloProb: z.number().min(0).max(1).optional(),
  headHidden: z.int().min(1).max(4096),
  genomicsNoise: z.number().min(0).max(10),
  l2: z.number().min(0).max(1),
  genomicsDecayFactor: z.number().min(0).max(1000),
  alignWeight: z.number().min(0).max(100),
  reconWeight: z.number().min(0).max(100),
  auxWeight: z.number().min(0).max(100),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1),
});
export type ModelSpec = z.infer<typeof ModelSpec>;
