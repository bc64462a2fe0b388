// Central DP-FedAvg (McMahan et al. 2018): the mean of `sites` updates each clipped to `clip` moves by
// at most clip / sites when one site changes, so Gaussian noise of z times that bounds its influence.
import { requireInteger, requireNonNegative, requirePositive } from './require.ts';

export interface DpFedAvgNoiseStdArgs {
  clip: number;
  noiseMultiplier: number;
  /** How many updates the mean divides by (fixed in advance, not the number that arrived). */
  sites: number;
}

/** σ of the Gaussian noise to add to each coordinate of the mean of clipped updates: z·C / n. */
export function dpFedAvgNoiseStd(args: DpFedAvgNoiseStdArgs): number {
  requirePositive('clip', args.clip);
  requireNonNegative('noiseMultiplier', args.noiseMultiplier);
  requireInteger('sites', args.sites, 1);
  return (args.noiseMultiplier * args.clip) / args.sites;
}
