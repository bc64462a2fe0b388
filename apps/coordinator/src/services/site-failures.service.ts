import { Inject, Injectable } from '@nestjs/common';
import type { RoundFailure } from '@fedfuse/protocol';
import type { UpdateRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';

/** A site's failure to train or evaluate a round, as stored and shown to the operator. */
export interface SiteFailure {
  siteId: string;
  siteName: string;
  stage: RoundFailure['stage'];
  code: RoundFailure['code'];
  message: string;
  retryable: boolean;
  at: number;
}

type FailureStage = Extract<UpdateRow['stage'], `${string}_failed`>;

const stageKey = (stage: RoundFailure['stage']): FailureStage =>
  stage === 'fit' ? 'fit_failed' : 'evaluate_failed';

/**
 * Sites' reasons for not finishing a round, kept beside their contributions (one per site, round and
 * stage) so the round can end as soon as every site has either answered or failed.
 */
@Injectable()
export class SiteFailuresService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly sites: SitesRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Records a failure of a site the round asked for; false (nothing stored) when the round is not in that
   * stage, the site was not asked, or it already reported one. `audited`: the caller has audited it already.
   */
  async record(
    siteId: string,
    failure: Omit<RoundFailure, 'runId'>,
    options: { audited?: boolean } = {},
  ): Promise<boolean> {
    const round = await this.rounds.find(failure.roundId);
    if (round?.stage !== failure.stage) return false;
    const asked = failure.stage === 'fit' ? round.selectedSites : round.evaluators;
    if (!asked.includes(siteId)) return false;
    const stage = stageKey(failure.stage);
    const stored = await this.rounds.insertUpdate({
      round_id: round.id,
      site_id: siteId,
      stage,
      message_key: `${round.id} ${siteId} ${stage}`,
      num_examples: 0,
      payload: JSON.stringify({ code: failure.code, message: failure.message, retryable: failure.retryable }),
      delta_path: null,
      received_at: this.clock.now(),
    });
    if (!stored || options.audited) return stored;
    await this.audit.record({
      actor: { kind: 'site', id: siteId },
      action: 'round.site_failed',
      subject: round.runId,
      outcome: 'failed',
      details: {
        round: round.number,
        attempt: round.attempt,
        stage: failure.stage,
        code: failure.code,
        reason: failure.message,
        retryable: failure.retryable,
      },
    });
    return true;
  }

  /** The round's failures at one stage, with the sites' names. */
  async of(roundId: string, stage: RoundFailure['stage']): Promise<SiteFailure[]> {
    return this.describe(await this.rounds.updatesFor(roundId, stageKey(stage)));
  }

  /** Every failure of the given rounds, by round id. */
  async byRound(roundIds: readonly string[]): Promise<Map<string, SiteFailure[]>> {
    const out = new Map<string, SiteFailure[]>();
    for (const id of roundIds) {
      const rows = [
        ...(await this.rounds.updatesFor(id, 'fit_failed')),
        ...(await this.rounds.updatesFor(id, 'evaluate_failed')),
      ];
      if (rows.length > 0) out.set(id, await this.describe(rows));
    }
    return out;
  }

  private async describe(rows: readonly UpdateRow[]): Promise<SiteFailure[]> {
    const out: SiteFailure[] = [];
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as Pick<SiteFailure, 'code' | 'message' | 'retryable'>;
      out.push({
        siteId: row.site_id,
        siteName: (await this.sites.find(row.site_id))?.name ?? row.site_id,
        stage: row.stage === 'fit_failed' ? 'fit' : 'evaluate',
        ...payload,
        at: row.received_at,
      });
    }
    return out;
  }
}

/** One line naming each site and its reason, for a round's or a run's failure. */
export function describeFailures(failures: readonly SiteFailure[]): string {
  return failures.map((f) => `${f.siteName} (${f.code}): ${f.message}`).join('; ');
}
