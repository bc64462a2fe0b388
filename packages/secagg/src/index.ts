// Public surface of @fedfuse/secagg: secure aggregation (Bonawitz et al. 2017, SecAgg+ as an option) as a
// transport-agnostic protocol core. Drivers carry its messages; it holds no sockets and no clock.
export { SecAggError } from './errors.ts';
export type { SecAggErrorCode } from './errors.ts';
export { planSecAgg } from './plan.ts';
export { quantisationScale } from './quantize.ts';
export type { GraphKind, PlanSecAggArgs, SecAggPlan } from './plan.ts';
export type { IndexRange, SecAggGroup, SecAggLayout, SiteUpdate, DecodedAggregate } from './quantize.ts';
export type { Roster, SecAggRound } from './round.ts';
export type { RandomBytes } from './keys.ts';
export * from './messages.ts';
export { SecAggSite } from './site.ts';
export { SecAggServer } from './server.ts';
export type { SecAggAggregate } from './server.ts';
