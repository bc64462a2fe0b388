import { SecAggError } from './errors.ts';

/** Which pairs of sites share masks: all of them (Bonawitz et al.) or a k-regular graph (SecAgg+, Bell et al.). */
export type GraphKind = 'complete' | 'sparse';

/** What planSecAgg() is asked for. */
export interface PlanSecAggArgs {
  /** Sites enrolled in the round (n). */
  sites: number;
  /** Shares needed to rebuild a secret; derived when left out. */
  threshold?: number;
  /** Sites that may drop out after sharing keys while the round still completes. */
  toleratedDropouts: number;
  /** Sites that may collude with the coordinator to unmask an honest site. */
  toleratedColluders: number;
  graph: GraphKind;
  /** The server may lie about dropouts (the default); false plans for an honest-but-curious server only. */
  maliciousServer?: boolean;
  /** Sparse graph only: neighbours per site (even); derived when left out. */
  degree?: number;
  /** Inputs are clipped to ±clip before quantising (default 8, as Flower). */
  clip?: number;
  /** log2 of the quantisation levels per site (default 22, as Flower); n·2^levelsLog2 must stay below 2^32. */
  levelsLog2?: number;
  /** The most examples one site may weight its update by (default 2^20). */
  maxExamples?: number;
}

/** A checked secure-aggregation configuration; every site and the server use the same one. */
export interface SecAggPlan {
  sites: number;
  graph: GraphKind;
  /** Neighbours per site: n − 1 for the complete graph. */
  degree: number;
  /** Shares (out of degree + 1, the site's own included) needed to rebuild one site's secret. */
  threshold: number;
  toleratedDropouts: number;
  toleratedColluders: number;
  maliciousServer: boolean;
  clip: number;
  levelsLog2: number;
  maxExamples: number;
}

const TWO_32 = 2 ** 32;
const MAX_SHARES = 255; // GF(2^8) Shamir: one x-coordinate per non-zero byte
const DEFAULT_LEVELS_LOG2 = 22;

function refuse(message: string): never {
  throw new SecAggError('invalid_config', message);
}

function checkCount(value: number, what: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    refuse(`${what} must be an integer ≥ ${min}, got ${value}`);
}

/** Conservative SecAgg+ degree: the smallest even k ≥ 3·⌈log2 n⌉, and at most n − 1. */
function sparseDegree(sites: number, requested: number | undefined): number {
  if (requested !== undefined) {
    checkCount(requested, 'degree', 2);
    if (requested % 2 !== 0) refuse(`degree must be even (a Harary graph), got ${requested}`);
    if (requested > sites - 1) refuse(`degree ${requested} needs more than ${sites} sites`);
    return requested;
  }
  const k = 3 * Math.ceil(Math.log2(sites));
  return Math.min(k + (k % 2), sites - 1 - ((sites - 1) % 2));
}

/** The smallest threshold the threat model allows among `shares` shares. */
function minimumThreshold(
  shares: number,
  args: Pick<PlanSecAggArgs, 'toleratedColluders'> & { malicious: boolean },
): number {
  const colluders = args.toleratedColluders + 1;
  return args.malicious ? Math.max(Math.floor((2 * shares) / 3) + 1, colluders) : Math.max(colluders, 2);
}

/**
 * Check a secure-aggregation configuration and derive what was left out, or throw `invalid_config` with the
 * numbers that break it: t ≤ 2n/3 under a malicious server, t ≤ colluders, n − t < dropouts, or a quantisation
 * range whose n-site sum overflows 32 bits. For the sparse graph the rules apply to each neighbourhood of
 * degree + 1 sites, in the worst case where every dropout or colluder falls in one neighbourhood.
 * @example planSecAgg({ sites: 10, toleratedDropouts: 2, toleratedColluders: 1, graph: 'complete' })
 */
export function planSecAgg(args: PlanSecAggArgs): SecAggPlan {
  const { sites, toleratedDropouts, toleratedColluders } = args;
  const malicious = args.maliciousServer ?? true;
  checkCount(sites, 'sites', 3);
  if (sites > MAX_SHARES)
    refuse(`at most ${MAX_SHARES} sites can share secrets (GF(2^8) Shamir), got ${sites}`);
  checkCount(toleratedDropouts, 'toleratedDropouts', 0);
  checkCount(toleratedColluders, 'toleratedColluders', 0);
  const degree = args.graph === 'complete' ? sites - 1 : sparseDegree(sites, args.degree);
  const shares = degree + 1;
  const floor = minimumThreshold(shares, { toleratedColluders, malicious });
  const threshold = args.threshold ?? floor;
  checkCount(threshold, 'threshold', 2);
  const group =
    args.graph === 'complete' ? `n = ${shares}` : `a neighbourhood of ${shares} (degree ${degree} + 1)`;
  if (threshold > shares) refuse(`threshold ${threshold} exceeds the ${shares} shares of ${group}`);
  if (malicious && 3 * threshold <= 2 * shares)
    refuse(
      `threshold ${threshold} ≤ 2/3 of ${group}: a server lying about dropouts could unmask a site (need t > ${(2 * shares) / 3})`,
    );
  if (threshold <= toleratedColluders)
    refuse(
      `threshold ${threshold} ≤ ${toleratedColluders} tolerated colluders: they could rebuild a secret alone`,
    );
  if (shares - threshold < toleratedDropouts)
    refuse(
      `${group} − threshold ${threshold} = ${shares - threshold} < ${toleratedDropouts} tolerated dropouts`,
    );
  return {
    sites,
    graph: args.graph,
    degree,
    threshold,
    toleratedDropouts,
    toleratedColluders,
    maliciousServer: malicious,
    ...quantisation(args),
  };
}

function quantisation(args: PlanSecAggArgs): Pick<SecAggPlan, 'clip' | 'levelsLog2' | 'maxExamples'> {
  const clip = args.clip ?? 8;
  if (!Number.isFinite(clip) || clip <= 0) refuse(`clip must be a positive number, got ${clip}`);
  const maxExamples = args.maxExamples ?? 2 ** 20;
  checkCount(maxExamples, 'maxExamples', 1);
  if (args.sites * maxExamples >= TWO_32)
    refuse(
      `${args.sites} sites × maxExamples ${maxExamples} ≥ 2^32: the summed example counts would overflow`,
    );
  // The default fits every allowed federation: 255 sites × 2^22 < 2^32.
  const levelsLog2 = args.levelsLog2 ?? DEFAULT_LEVELS_LOG2;
  checkCount(levelsLog2, 'levelsLog2', 1);
  if (args.sites * 2 ** levelsLog2 >= TWO_32)
    refuse(
      `${args.sites} sites × 2^${levelsLog2} levels ≥ 2^32: the masked sum would overflow (use levelsLog2 ≤ ${Math.floor(Math.log2((TWO_32 - 1) / args.sites))})`,
    );
  return { clip, levelsLog2, maxExamples };
}
