import { Identity } from '@fedfuse/crypto';

import { planSecAgg } from '../plan.ts';
import type { PlanSecAggArgs } from '../plan.ts';
import type { SecAggLayout, SiteUpdate } from '../quantize.ts';
import type { SecAggRound } from '../round.ts';
import { SecAggServer } from '../server.ts';
import type { SecAggAggregate } from '../server.ts';
import { SecAggSite } from '../site.ts';

/** Stages after which a site may stop answering. */
type DropPoint = 'advertise' | 'share-keys' | 'masked-input' | 'consistency';

/** A round with real identities, n sites and their server, ready to drive. */
export interface Federation {
  round: SecAggRound;
  identities: Identity[];
  sites: SecAggSite[];
  server: SecAggServer;
}

/** `sites` fresh identities (site-0 …), a plan and a round over `layout`. */
export function federation(args: {
  plan: PlanSecAggArgs;
  layout: SecAggLayout;
  roundId?: string;
}): Federation {
  const identities = Array.from({ length: args.plan.sites }, (_, i) =>
    Identity.generate({ role: 'site', id: `site-${i}` }),
  );
  const round: SecAggRound = {
    runId: 'run-1',
    roundId: args.roundId ?? 'round-1',
    modelHash: 'ab'.repeat(32),
    plan: planSecAgg(args.plan),
    layout: args.layout,
    roster: new Map(identities.map((id) => [id.id, id.signingPublicKey])),
  };
  const sites = identities.map((identity) => new SecAggSite({ round, identity }));
  return { round, identities, sites, server: new SecAggServer({ round }) };
}

/**
 * Drive a whole round in process, as a coordinator would, with `drops` naming the sites that go silent after
 * a stage. Returns the server's aggregate (or throws what the server or a site threw).
 */
export async function runRound(args: {
  fed: Federation;
  updates: SiteUpdate[];
  drops?: ReadonlyMap<string, DropPoint>;
  current?: Float32Array;
}): Promise<SecAggAggregate> {
  const { fed, updates } = args;
  const { server } = fed;
  const live = (stage: DropPoint): SecAggSite[] =>
    fed.sites.filter((s) => !isDroppedBy(args.drops, s.id, stage));
  for (const site of fed.sites) server.receiveAdvertisement(site.advertise());
  const keys = server.closeAdvertise();
  for (const site of live('advertise')) server.receiveShareKeys(await site.shareKeys(keys));
  const forwarded = server.closeShareKeys();
  for (const site of live('share-keys'))
    server.receiveMaskedInput(site.maskInput(forwarded.get(site.id), updates[fed.sites.indexOf(site)]!));
  const check = server.closeMaskedInput();
  for (const site of live('masked-input')) server.receiveConsistencySignature(site.signSurvivors(check));
  const requests = server.closeConsistency();
  for (const site of live('consistency')) server.receiveUnmaskResponse(site.unmask(requests.get(site.id)));
  return server.finish({ current: args.current });
}

const ORDER: DropPoint[] = ['advertise', 'share-keys', 'masked-input', 'consistency'];

function isDroppedBy(
  drops: ReadonlyMap<string, DropPoint> | undefined,
  id: string,
  stage: DropPoint,
): boolean {
  const after = drops?.get(id);
  return after !== undefined && ORDER.indexOf(after) <= ORDER.indexOf(stage);
}
