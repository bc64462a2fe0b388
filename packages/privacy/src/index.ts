// Public surface of @fedfuse/privacy: the RDP accountant, clipping and the noise samplers. No tfjs.
export { computeRdp, DEFAULT_ORDERS } from './rdp.ts';
export type { GaussianSteps } from './rdp.ts';
export { computeEpsilon } from './epsilon.ts';
export type { ComputeEpsilonArgs } from './epsilon.ts';
export { l2Norm, clipToNorm } from './clip.ts';
export { gaussianNoise, addGaussianNoise } from './gaussian-noise.ts';
export { discreteGaussian } from './discrete-gaussian.ts';
export { skellam } from './skellam.ts';
export {
  distributedSkellam,
  MAX_WRAP_PROBABILITY,
  skellamRdp,
  sumWrapProbability,
} from './distributed-skellam.ts';
export type { DistributedSkellam, DistributedSkellamArgs, SkellamSteps } from './distributed-skellam.ts';
export { nextAdaptiveClip, adaptiveNoiseMultiplier } from './adaptive-clip.ts';
export type { NextAdaptiveClipArgs, AdaptiveNoiseMultiplierArgs } from './adaptive-clip.ts';
export { dpFedAvgNoiseStd } from './dp-fed-avg.ts';
export type { DpFedAvgNoiseStdArgs } from './dp-fed-avg.ts';
