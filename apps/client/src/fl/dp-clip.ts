import type { FitIns } from '@fedfuse/protocol';
import { clipToNorm } from '@fedfuse/privacy';

/** What clipping did to a DP round's delta: its norm before, the round's clip, and whether it shrank. */
export interface ClipOutcome {
  norm: number;
  clip: number;
  clipped: boolean;
}

/**
 * DP-FedAvg's norm bound, applied here at the site before the delta is sealed: scales the whole delta (in
 * place) to L2 norm ≤ the round's clip. Undefined when the round is not differentially private.
 */
export function clipForRound(delta: Float32Array, ins: FitIns): ClipOutcome | undefined {
  const dp = ins.privacy?.dp;
  if (!dp) return undefined;
  const { norm, scale } = clipToNorm([delta], dp.clip);
  return { norm, clip: dp.clip, clipped: scale < 1 };
}
