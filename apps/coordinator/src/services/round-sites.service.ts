import { Injectable } from '@nestjs/common';
import type { ParameterLayout, RoundPlan } from '@fedfuse/strategy';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { ConnectionsService } from './connections.service.ts';
import { runStrategy } from './run-state.ts';
import { stableSiteKeys } from './site-keys.ts';

/** A strategy's plan for the sites, as site ids. */
export type SitePlan = { ok: true; siteIds: string[] } | { ok: false; message: string };

/** The sites a round can ask: approved and connected, by stable key, as the strategy picks them. */
@Injectable()
export class RoundSitesService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly rounds: RoundsRepository,
    private readonly connections: ConnectionsService,
  ) {}

  /** Each site's stable key (see stableSiteKeys). */
  async keys(): Promise<Map<string, string>> {
    return stableSiteKeys(await this.sites.list());
  }

  /**
   * The sites the run's strategy asks to train (`fit`) or evaluate round `round`. The strategy sees stable
   * keys, so the same federation samples the same sites whatever their ids.
   */
  async plan(o: {
    stage: 'fit' | 'evaluate';
    config: ResolvedRunConfig;
    layout: ParameterLayout;
    round: number;
    weights: Float32Array;
  }): Promise<SitePlan> {
    const keys = await this.keys();
    const idOfKey = new Map((await this.approvedConnected()).map((id) => [keys.get(id)!, id]));
    const clients = [...idOfKey.keys()].map((key) => ({ id: key, available: true }));
    const strategy = runStrategy(o.config, o.layout);
    const plan: RoundPlan =
      o.stage === 'fit'
        ? strategy.configureFit(o.round, o.weights, clients)
        : strategy.configureEvaluate(o.round, o.weights, clients);
    if (!plan.ok) return { ok: false, message: plan.message };
    return { ok: true, siteIds: plan.assignments.map((a) => idOfKey.get(a.clientId)!) };
  }

  /** The site sent its result for this stage, or said why it cannot (then a resend would fail again). */
  async answered(roundId: string, siteId: string, stage: 'fit' | 'evaluate'): Promise<boolean> {
    const result = await this.rounds.findUpdate({ roundId, siteId, stage });
    return Boolean(result ?? (await this.rounds.findUpdate({ roundId, siteId, stage: `${stage}_failed` })));
  }

  /** Selected sites that are connected and have not answered, plus the updates in: what the round can still get. */
  async reachable(round: Round, submitted: number): Promise<number> {
    const connected = new Set(this.connections.connectedIds());
    let reachable = submitted;
    for (const siteId of round.selectedSites)
      if (connected.has(siteId) && !(await this.answered(round.id, siteId, 'fit'))) reachable++;
    return reachable;
  }

  private async approvedConnected(): Promise<string[]> {
    const approved = new Set(
      (await this.sites.list()).filter((s) => s.status === 'approved').map((s) => s.id),
    );
    return this.connections.connectedIds().filter((id) => approved.has(id));
  }
}
