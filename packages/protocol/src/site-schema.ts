import { z } from 'zod';

import { MAX_RECORD_KEYS } from './limits.ts';
import { MODEL_MODALITIES } from './model-spec.ts';
import { Count, Sha256Hex, namedRecord } from './primitives.ts';

/** Most EHR column names a schema lists; a wider site sends only the width and the hash. */
export const MAX_SCHEMA_EHR_NAMES = 2048;
/** Longest EHR column name (`feature=level`) a schema carries. */
export const MAX_SCHEMA_EHR_NAME_LENGTH = 200;

/** The encoded EHR block: its width, a hash of the ordered column names, and the names when few enough. */
export const EhrLayout = z.object({
  dim: z.int().min(1).max(100_000),
  /** SHA-256 of the column names joined by newlines, in encoding order. */
  namesHash: Sha256Hex,
  /** `feature`, `feature=level` and `feature_missing` names in encoding order: names and levels, never values. */
  names: z.array(z.string().min(1).max(MAX_SCHEMA_EHR_NAME_LENGTH)).max(MAX_SCHEMA_EHR_NAMES).optional(),
});
export type EhrLayout = z.infer<typeof EhrLayout>;

/** The gene panel: its size and a hash of the ordered gene ids (not the 20,000 names). */
export const GenePanelRef = z.object({
  genes: z.int().min(1).max(100_000),
  /** SHA-256 of the gene ids joined by newlines, in panel order. */
  panelHash: Sha256Hex,
});
export type GenePanelRef = z.infer<typeof GenePanelRef>;

/** [height, width, channels] of the images a site feeds the model. */
export const ImageShape = z.tuple([
  z.int().min(1).max(4096),
  z.int().min(1).max(4096),
  z.int().min(1).max(4),
]);

/** Most texture energies a site sums: six per channel, at most four channels. */
export const MAX_TEXTURE_ENERGIES = 24;
/** Fewest training images a site sums texture energies over; below it, a sum would say too much of one image. */
export const MIN_TEXTURE_IMAGES = 10;

/**
 * Per texture energy of the imaging encoder (@fedfuse/model `textureEnergies`), its sum and sum of squares
 * over the site's training images at the reported image shape: aggregates of ≥ MIN_TEXTURE_IMAGES images,
 * from which the coordinator pools the constants that standardise the energies for the whole federation.
 */
export const TextureSums = z
  .object({
    images: z.int().min(MIN_TEXTURE_IMAGES).max(10_000_000),
    sum: z.array(z.number()).min(1).max(MAX_TEXTURE_ENERGIES),
    sumSquares: z.array(z.number().nonnegative()).min(1).max(MAX_TEXTURE_ENERGIES),
  })
  .refine((t) => t.sum.length === t.sumSquares.length, 'sum and sumSquares must have one value per energy');
export type TextureSums = z.infer<typeof TextureSums>;

/**
 * What a site's data looks like to the model, sent with site:report so the federation agrees on one model
 * before it trains. Column names, levels, a panel hash, a shape and counts: never a patient or a value.
 */
export const SiteDataSchema = z.object({
  /** Modalities at least one of the site's patients has. */
  modalities: z
    .array(z.enum(MODEL_MODALITIES))
    .max(3)
    .refine((list) => new Set(list).size === list.length, 'modalities must be distinct'),
  ehr: EhrLayout.nullable(),
  genomics: GenePanelRef.nullable(),
  imageShape: ImageShape.nullable(),
  /**
   * Texture sums over the training images; null from a site with too few of them, absent from a daemon that
   * predates the sums (it would build the energies raw, so no run standardises them while it takes part).
   */
  imageTexture: TextureSums.nullable().optional(),
  /** Per task the site declares, labelled patients per split (`train`, `validation`, `test`, ...). */
  tasks: namedRecord(namedRecord(Count)).refine(
    (r) => Object.keys(r).length <= Math.min(64, MAX_RECORD_KEYS),
    'expected at most 64 tasks',
  ),
});
export type SiteDataSchema = z.infer<typeof SiteDataSchema>;
