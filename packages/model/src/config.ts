import { FUSIONS, MODEL_MODALITIES, type ModelModality } from '@fedfuse/protocol';
import { TEXTURE_ENERGIES_PER_CHANNEL, type TextureNorm } from './texture-statistics.ts';

// The wire contract owns the names; the model builds exactly what a run may ask for.
export { FUSIONS, MODEL_MODALITIES, type ModelModality };
/** How the three modality embeddings are combined (DESIGN.md, The model). */
export type Fusion = (typeof FUSIONS)[number];

export interface ModelConfig {
  /**
   * Modalities with an encoder, in MODEL_MODALITIES order once resolved; one left out has no
   * parameters, its batch input may be empty and its `present` flag is ignored.
   */
  modalities: ModelModality[];
  ehrDim: number;
  genomicsDim: number;
  /** [height, width, channels] */
  imageShape: [number, number, number];
  tasks: string[];
  fusion: Fusion;
  /** Size of every modality embedding Z_i. */
  d: number;
  ehrHidden: number;
  genomicsHidden: number;
  convFilters: number[];
  /** Standardise each image over its own pixels before the encoder (cancels scanner gain and offset). */
  imageStandardize: boolean;
  /** GroupNorm groups after each conv block; 0 for none. */
  imageGroupNorm: number;
  /** What the imaging projection reads: the `flatten`ed last map, or its `global` mean and max per channel. */
  imagePooling: 'flatten' | 'global';
  /** Side of a low-resolution copy of the (standardised) image fed to the projection beside the CNN; 0: none. */
  imageLinearGrid: number;
  /** Factor on the imaging encoder's effective learning rate (its weights are used × this factor). */
  imageRateScale: number;
  /** Extra factor on λ for the imaging kernels only (the branch overfits its few images). */
  imageDecayFactor: number;
  /**
   * GroupNorm after the last conv block too. Off, the global mean reads how much of each pattern an
   * image holds (a wall's thickness, a nodule's size), which a per-image norm before it sets to zero.
   */
  imageLastGroupNorm: boolean;
  /** First-order intensity statistics of the standardised image (tail fractions, skewness, kurtosis). */
  imageIntensityStats: boolean;
  /** Dropout rate on the imaging features the projection reads (training only); 0: none. */
  imageFeatureDropout: number;
  /** Local-contrast (texture) energies of the standardised image, before any GroupNorm, fed to the projection. */
  imageTexture: boolean;
  /**
   * The federation's mean and SD of each texture energy over its training images, which the energies are
   * standardised by (raw log energies sit several units off zero); null: used raw, as before.
   */
  imageTextureNorm: TextureNorm | null;
  /** Weight of reconstructing the image, average-pooled to imageReconGrid², from its embedding; 0: none. */
  imageReconWeight: number;
  /** Side of the pooled image the imaging reconstruction targets. */
  imageReconGrid: number;
  /** Probability that a training row keeps only one of its present modalities (single-modality episodes). */
  modalitySoloProb: number;
  headHidden: number;
  /** Std of the Gaussian input noise of the denoising genomics encoder (training only). */
  genomicsNoise: number;
  /** Weight-decay coefficient λ on every kernel. */
  l2: number;
  /** Extra factor on λ for the genomics branch, which overfits first. */
  genomicsDecayFactor: number;
  /** μ of the cross-modal alignment loss (0.01 silenced the genomics branch: docs/synthetic-data.md). */
  alignWeight: number;
  /** β of the genomics reconstruction loss. */
  reconWeight: number;
  /** Weight of the per-modality auxiliary heads that keep attention honest. */
  auxWeight: number;
  /** Seed of the initial weights. */
  seed: number;
}

export const DEFAULT_TASKS = ['cancer', 'cardiac', 'metabolic'];

/** The default architecture: 32 EHR features, 64×64×1 images, 2000 genes, d = 64. */
export const defaultModelConfig: ModelConfig = {
  modalities: ['ehr', 'imaging', 'genomics'],
  ehrDim: 32,
  genomicsDim: 2000,
  imageShape: [64, 64, 1],
  tasks: DEFAULT_TASKS,
  fusion: 'hybrid',
  d: 64,
  ehrHidden: 64,
  genomicsHidden: 256,
  convFilters: [16, 32, 64],
  imageStandardize: true,
  imageGroupNorm: 8,
  imagePooling: 'global',
  imageLinearGrid: 0,
  imageRateScale: 1,
  imageDecayFactor: 1,
  imageLastGroupNorm: false,
  imageIntensityStats: false,
  imageFeatureDropout: 0,
  imageTexture: true,
  imageTextureNorm: null,
  imageReconWeight: 0,
  imageReconGrid: 8,
  modalitySoloProb: 0,
  headHidden: 32,
  genomicsNoise: 0.3,
  l2: 1e-5,
  genomicsDecayFactor: 10,
  alignWeight: 0.001,
  reconWeight: 0.1,
  auxWeight: 0.3,
  seed: 1,
};

/** Fills in defaults and refuses a configuration that cannot build a model, naming the field. */
export function resolveModelConfig(partial: Partial<ModelConfig> = {}): ModelConfig {
  const config = { ...defaultModelConfig, ...partial };
  config.imageTextureNorm ??= null; // a wire spec may leave it out
  const positive = ['ehrDim', 'genomicsDim', 'd', 'ehrHidden', 'genomicsHidden', 'headHidden'] as const;
  for (const key of positive) {
    const value = config[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`Model config: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (!FUSIONS.includes(config.fusion)) {
    throw new Error(
      `Model config: fusion must be one of ${FUSIONS.join(', ')}, got ${String(config.fusion)}`,
    );
  }
  if (config.tasks.length === 0 || new Set(config.tasks).size !== config.tasks.length) {
    throw new Error('Model config: tasks must be a non-empty list of distinct names');
  }
  if (!(config.modalitySoloProb >= 0 && config.modalitySoloProb <= 1))
    throw new Error(
      `Model config: modalitySoloProb must be in [0, 1], got ${String(config.modalitySoloProb)}`,
    );
  config.modalities = resolveModalities(config.modalities);
  if (config.modalities.includes('imaging')) checkImageShape(config);
  return config;
}

/** Known, distinct and non-empty, put in the fixed order so that the same set gives the same layout. */
function resolveModalities(modalities: unknown): ModelModality[] {
  if (!Array.isArray(modalities)) throw new Error('Model config: modalities must be a list');
  const unknown = modalities.filter((m) => !MODEL_MODALITIES.includes(m as ModelModality));
  if (unknown.length > 0) {
    throw new Error(
      `Model config: modalities must be among ${MODEL_MODALITIES.join(', ')}, got ${unknown.map(String).join(', ')}`,
    );
  }
  if (modalities.length === 0 || new Set(modalities).size !== modalities.length) {
    throw new Error('Model config: modalities must be a non-empty list of distinct modalities');
  }
  return MODEL_MODALITIES.filter((m) => modalities.includes(m));
}

function checkImageShape(config: ModelConfig): void {
  const [h, w, c] = config.imageShape;
  const downscale = 2 ** config.convFilters.length;
  if (c < 1 || h % downscale !== 0 || w % downscale !== 0) {
    throw new Error(
      `Model config: imageShape ${config.imageShape.join('×')} must be divisible by ${downscale} (one 2×2 pool per conv block)`,
    );
  }
  checkImagingOptions(config);
}

function checkImagingOptions(config: ModelConfig): void {
  const { imageGroupNorm, imageLinearGrid, imagePooling, imageRateScale, imageShape } = config;
  const fail = (message: string) => {
    throw new Error(`Model config: ${message}`);
  };
  checkRegularisers(config, fail);
  if (!Number.isInteger(imageGroupNorm) || imageGroupNorm < 0)
    fail(`imageGroupNorm must be a non-negative integer, got ${String(imageGroupNorm)}`);
  if (imagePooling !== 'global' && imagePooling !== 'flatten')
    fail(`imagePooling must be global or flatten, got ${String(imagePooling)}`);
  if (!(imageRateScale > 0)) fail(`imageRateScale must be positive, got ${String(imageRateScale)}`);
  const divides = imageShape[0] % imageLinearGrid === 0 && imageShape[1] % imageLinearGrid === 0;
  if (!Number.isInteger(imageLinearGrid) || imageLinearGrid < 0 || (imageLinearGrid > 0 && !divides))
    fail(
      `imageLinearGrid must be 0 or divide imageShape ${imageShape.join('×')}, got ${String(imageLinearGrid)}`,
    );
}

function checkRegularisers(config: ModelConfig, fail: (message: string) => never): void {
  const { imageDecayFactor, imageFeatureDropout, imageReconWeight, imageReconGrid, imageShape } = config;
  if (!(imageDecayFactor >= 0)) fail(`imageDecayFactor must be ≥ 0, got ${String(imageDecayFactor)}`);
  if (!(imageFeatureDropout >= 0 && imageFeatureDropout < 1))
    fail(`imageFeatureDropout must be in [0, 1), got ${String(imageFeatureDropout)}`);
  if (!(imageReconWeight >= 0)) fail(`imageReconWeight must be ≥ 0, got ${String(imageReconWeight)}`);
  const divides = imageShape[0] % imageReconGrid === 0 && imageShape[1] % imageReconGrid === 0;
  if (!Number.isInteger(imageReconGrid) || imageReconGrid < 1 || !divides)
    fail(`imageReconGrid must divide imageShape ${imageShape.join('×')}, got ${String(imageReconGrid)}`);
  for (const key of ['imageLastGroupNorm', 'imageIntensityStats'] as const)
    if (typeof config[key] !== 'boolean') fail(`${key} must be true or false, got ${String(config[key])}`);
  if (typeof config.imageTexture !== 'boolean')
    fail(`imageTexture must be true or false, got ${String(config.imageTexture)}`);
  checkTextureNorm(config.imageTextureNorm, TEXTURE_ENERGIES_PER_CHANNEL * imageShape[2], fail);
}

function checkTextureNorm(norm: TextureNorm | null, width: number, fail: (message: string) => never): void {
  if (norm === null) return;
  const { center, scale } = norm;
  if (!Array.isArray(center) || !Array.isArray(scale) || center.length !== width || scale.length !== width)
    fail(`imageTextureNorm must hold ${width} centers and ${width} scales (one per texture energy)`);
  const bad = center.findIndex(
    (v, k) => !Number.isFinite(v) || !(scale[k]! > 0 && Number.isFinite(scale[k])),
  );
  if (bad >= 0)
    fail(
      `imageTextureNorm energy ${bad}: center must be finite and scale positive, got ${center[bad]} and ${scale[bad]}`,
    );
}
