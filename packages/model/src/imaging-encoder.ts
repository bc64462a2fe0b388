import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.ts';
import { groupNormByLoops } from './group-norm-kernel.ts';
import { convReluPool, dense, globalMax } from './layers.ts';
import type { TriModalModel } from './model.ts';
import type { ParamSpec } from './params.ts';
import { TEXTURE_ENERGIES_PER_CHANNEL, type TextureNorm } from './texture-statistics.ts';

/** Keeps the division finite on a constant (or absent, all-zero) image. */
const EPSILON = 1e-5;

/** Whether tensors live in this process's memory, where the loop kernels read them without a transfer. */
function inProcessBackend(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

/**
 * Each image to zero mean and unit variance over its own pixels: a site's scanner gain and offset
 * cancel out, with no statistics shared between images or sites.
 */
export function standardizeImages(image: Tensor4D): Tensor4D {
  return tf.tidy(() => {
    if (inProcessBackend()) {
      // One group of all channels, scale 1 and shift 0: the same normalisation.
      const identity = { scaleDelta: tf.zeros([image.shape[3]]), shift: tf.zeros([image.shape[3]]) };
      return groupNormByLoops(image, identity, { groups: 1, epsilon: EPSILON });
    }
    const { mean, variance } = tf.moments(image, [1, 2, 3], true);
    return tf.div(tf.sub(image, mean), tf.sqrt(tf.add(variance, EPSILON))) as Tensor4D;
  });
}

/**
 * GroupNorm (Wu & He 2018) of NHWC activations: each image's channels in `groups` groups, each group
 * to zero mean and unit variance over its channels and pixels, then scaled by (1 + scaleDelta) and
 * shifted by shift per channel. Per image, so federated sites never share batch statistics.
 */
export function groupNorm(
  x: Tensor4D,
  params: { scaleDelta: tf.Tensor; shift: tf.Tensor },
  groups: number,
): Tensor4D {
  return inProcessBackend()
    ? groupNormByLoops(x, params, { groups, epsilon: EPSILON })
    : groupNormByOps(x, params, groups);
}

/** groupNorm as tfjs ops: for the native backends, and the reference its loop kernel is tested against. */
export function groupNormByOps(
  x: Tensor4D,
  params: { scaleDelta: tf.Tensor; shift: tf.Tensor },
  groups: number,
): Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normalized = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, EPSILON))), [
    b,
    h,
    w,
    c,
  ]);
  return tf.add(tf.mul(normalized, tf.add(params.scaleDelta, 1)), params.shift) as Tensor4D;
}

/** Groups of a conv block's GroupNorm: the configured count, or fewer when the block is narrower. */
export function groupsFor(filters: number, groups: number): number {
  let g = Math.min(groups, filters);
  while (filters % g !== 0) g--;
  return g;
}

/**
 * An imaging parameter as the encoder uses it: the stored variable times `imageRateScale`. Adam's steps
 * do not depend on the gradient's scale, so this multiplies the encoder's effective learning rate (and
 * its initial weights are stored divided by the scale): its own rate, with no change to the optimiser.
 */
function param(model: TriModalModel, name: string): tf.Tensor {
  const scale = model.config.imageRateScale;
  return scale === 1 ? model.param(name) : tf.mul(model.param(name), scale);
}

/** Mean over a 2-D window of side `size` (1: the map itself). */
function pooled(x: Tensor4D, size: number): Tensor4D {
  return size === 1 ? x : tf.avgPool(x, size, size, 'valid');
}

/**
 * Per channel, the horizontal and vertical differences x[i,j+1] − x[i,j] and x[i+1,j] − x[i,j] on the
 * (h−1)×(w−1) grid, as a 2×2 depthwise filter: one kernel instead of six slices (wasm's Slice copies
 * element by element, ≈ 10 ms a slice of a 64×64 batch of 32).
 */
function differenceFilter(channels: number): tf.Tensor4D {
  // [row][col][channel][dx, dy]
  const taps = [
    [-1, -1],
    [1, 0],
    [0, 1],
    [0, 0],
  ];
  const values = taps.flatMap((tap) => Array.from({ length: channels }, () => tap).flat());
  return tf.tensor4d(values, [2, 2, channels, 2]);
}

/**
 * Local-contrast energies, as radiomics texture features: the squared gradient of the image at scales
 * 1 and 2, averaged over 4×4 windows, then per image the log of their mean, maximum and minimum. Read
 * from the standardised image before any GroupNorm, which would scale such energy away.
 */
export function textureFeatures(image: Tensor4D): Tensor2D {
  const [b, , , channels] = image.shape;
  return tf.tidy(() => {
    const filter = differenceFilter(channels);
    const parts = TEXTURE_SCALES.map((scale) => {
      const x = pooled(image, scale);
      const [, h, w] = x.shape;
      const differences = tf.depthwiseConv2d(x, filter, 1, 'valid');
      const energy = tf.sum(
        tf.reshape(tf.square(differences), [b, h - 1, w - 1, channels, 2]),
        4,
      ) as Tensor4D;
      const window = Math.min(4, h - 1, w - 1);
      const local = tf.log(tf.add(tf.avgPool(energy, window, window, 'valid'), EPSILON));
      return tf.concat([tf.mean(local, [1, 2]), tf.max(local, [1, 2]), tf.min(local, [1, 2])], 1);
    });
    return tf.reshape(tf.concat(parts, 1), [b, -1]) as Tensor2D;
  });
}

/** Thresholds, in the image's own standard deviations, of the intensity tail fractions. */
const TAIL_THRESHOLDS = [-2, -1, 1, 2, 3];

/** Intensity statistics per image channel: a fraction per threshold, skewness and kurtosis. */
export const INTENSITY_FEATURES_PER_CHANNEL = TAIL_THRESHOLDS.length + 2;

/**
 * First-order radiomics of a standardised image, per channel: the fraction of pixels beyond each
 * threshold (how much bright or dark tissue, whatever the scanner's gain and offset), the skewness and
 * the log kurtosis. The input needs no gradient, so the hard thresholds cost nothing.
 */
export function intensityStats(standardized: Tensor4D): Tensor2D {
  return tf.tidy(() => {
    const x = standardized;
    const fraction = (t: number) =>
      tf.mean(tf.cast(t < 0 ? tf.less(x, t) : tf.greater(x, t), 'float32'), [1, 2]);
    const skew = tf.mean(tf.pow(x, 3), [1, 2]);
    const kurtosis = tf.log(tf.add(tf.mean(tf.pow(x, 4), [1, 2]), EPSILON));
    return tf.concat([...TAIL_THRESHOLDS.map(fraction), skew, kurtosis], 1) as Tensor2D;
  });
}

/** Scales (pooling factors) the texture energies are read at. */
const TEXTURE_SCALES = [1, 2];

/** Texture features per image channel: mean, max and min log energy at each scale. */
export const TEXTURE_FEATURES_PER_CHANNEL = TEXTURE_ENERGIES_PER_CHANNEL;

/** The texture energies standardised by the federation's constants: all near unit scale, like the CNN's. */
function standardizedTexture(texture: Tensor2D, norm: TextureNorm | null): Tensor2D {
  if (norm === null) return texture;
  return tf.tidy(
    () => tf.div(tf.sub(texture, tf.tensor1d(norm.center)), tf.tensor1d(norm.scale)) as Tensor2D,
  );
}

/**
 * The imaging encoder's output: the embedding, the features it projected and, while training with
 * reconstruction, its decoding.
 */
export interface ImageEncoding {
  z: Tensor2D;
  /** What the projection read: the encoder's features (after feature dropout, while training). */
  features: Tensor2D;
  /** The embedding decoded to the pooled image, and that pooled image (the target). */
  reconstruction?: { predicted: Tensor2D; target: Tensor2D };
}

/**
 * What the imaging encoder's projection reads, and the image it was computed from: optional per-image
 * standardisation, conv→ReLU→max-pool blocks each followed by an optional GroupNorm, then either the
 * flattened map or its global average and maximum per channel (position-free: cues may sit anywhere),
 * and the optional texture energies, intensity statistics and low-resolution grid.
 */
function featuresOf(model: TriModalModel, image: Tensor4D): { features: Tensor2D; input: Tensor4D } {
  const c = model.config;
  const input = c.imageStandardize ? standardizeImages(image) : image;
  let x = input;
  c.convFilters.forEach((filters, i) => {
    const name = `imaging.conv${i + 1}`;
    x = convReluPool(
      x,
      { kernel: param(model, `${name}.kernel`), bias: param(model, `${name}.bias`) },
      i > 0,
    );
    if (c.imageGroupNorm > 0 && (c.imageLastGroupNorm || i < c.convFilters.length - 1)) {
      const norm = {
        scaleDelta: param(model, `imaging.norm${i + 1}.scale`),
        shift: param(model, `imaging.norm${i + 1}.shift`),
      };
      x = groupNorm(x, norm, groupsFor(filters, c.imageGroupNorm));
    }
  });
  const b = x.shape[0];
  const parts = [
    c.imagePooling === 'global' ? tf.concat([tf.mean(x, [1, 2]), globalMax(x)], 1) : tf.reshape(x, [b, -1]),
  ];
  if (c.imageTexture) parts.push(standardizedTexture(textureFeatures(input), c.imageTextureNorm));
  if (c.imageIntensityStats) parts.push(intensityStats(input));
  if (c.imageLinearGrid > 0) {
    const size = c.imageShape[0] / c.imageLinearGrid;
    parts.push(tf.reshape(tf.avgPool(input, size, size, 'valid'), [b, -1]));
  }
  return { features: (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as Tensor2D, input };
}

/** The imaging encoder: its features ({@link featuresOf}) and a dense projection to d. */
export function encodeImage(
  model: TriModalModel,
  image: Tensor4D,
  options: { training: boolean; noiseSeed?: number } = { training: false },
): ImageEncoding {
  const c = model.config;
  const { input, features: read } = featuresOf(model, image);
  let features = read;
  const b = features.shape[0];
  if (options.training && c.imageFeatureDropout > 0) {
    const seed = options.noiseSeed === undefined ? undefined : options.noiseSeed + 1;
    features = tf.dropout(features, c.imageFeatureDropout, undefined, seed) as Tensor2D;
  }
  const project = {
    kernel: param(model, 'imaging.project.kernel'),
    bias: param(model, 'imaging.project.bias'),
  };
  const z = dense(features, project, true);
  if (!options.training || c.imageReconWeight <= 0) return { z, features };
  const size = c.imageShape[0] / c.imageReconGrid;
  const decode = { kernel: param(model, 'imaging.decode.kernel'), bias: param(model, 'imaging.decode.bias') };
  return {
    z,
    features,
    reconstruction: {
      predicted: dense(z, decode, false),
      target: tf.reshape(pooled(input, size), [b, -1]) as Tensor2D,
    },
  };
}

/** The imaging encoder's parameters, in flat-vector order. */
export function imagingSpecs(c: ModelConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const group = 'imaging';
  // He initialisation of the weights as used (÷ the rate scale, as stored): fan-in × scale².
  const fan = (n: number): number => n * c.imageRateScale ** 2;
  const decay = c.imageDecayFactor;
  let channels = c.imageShape[2];
  c.convFilters.forEach((filters, i) => {
    const name = `imaging.conv${i + 1}`;
    specs.push(
      { name: `${name}.kernel`, shape: [3, 3, channels, filters], group, decay, fanIn: fan(9 * channels) },
      { name: `${name}.bias`, shape: [filters], group, decay: 0, fanIn: 0 },
    );
    if (c.imageGroupNorm > 0 && (c.imageLastGroupNorm || i < c.convFilters.length - 1)) {
      // The scale is stored as its offset from 1, so the zero initialisation starts at identity.
      specs.push(
        { name: `imaging.norm${i + 1}.scale`, shape: [filters], group, decay: 0, fanIn: 0 },
        { name: `imaging.norm${i + 1}.shift`, shape: [filters], group, decay: 0, fanIn: 0 },
      );
    }
    channels = filters;
  });
  const downscale = 2 ** c.convFilters.length;
  const inputs =
    (c.imagePooling === 'global'
      ? 2 * channels
      : (c.imageShape[0] / downscale) * (c.imageShape[1] / downscale) * channels) +
    c.imageLinearGrid ** 2 * c.imageShape[2] +
    (c.imageTexture ? TEXTURE_FEATURES_PER_CHANNEL * c.imageShape[2] : 0) +
    (c.imageIntensityStats ? INTENSITY_FEATURES_PER_CHANNEL * c.imageShape[2] : 0);
  specs.push(
    { name: 'imaging.project.kernel', shape: [inputs, c.d], group, decay, fanIn: fan(inputs) },
    { name: 'imaging.project.bias', shape: [c.d], group, decay: 0, fanIn: 0 },
  );
  if (c.imageReconWeight > 0) {
    const outputs = c.imageReconGrid ** 2 * c.imageShape[2];
    specs.push(
      { name: 'imaging.decode.kernel', shape: [c.d, outputs], group, decay, fanIn: fan(c.d) },
      { name: 'imaging.decode.bias', shape: [outputs], group, decay: 0, fanIn: 0 },
    );
  }
  return specs;
}
