import type { SecAggRequest, SecAggStage } from '@fedfuse/protocol';
import type { SecAggAggregate, SecAggErrorCode, SecAggRound } from '@fedfuse/secagg';
import { SecAggError, SecAggServer } from '@fedfuse/secagg';

/** What the driver sends one site when a stage closes: the input to that site's next stage. */
export interface SecAggOutbound {
  siteId: string;
  request: SecAggRequest;
}

/** How a round ended: the unmasked aggregate, or why it was aborted (nothing was revealed then). */
export type SecAggOutcome =
  | { ok: true; aggregate: SecAggAggregate }
  | { ok: false; code: SecAggErrorCode | 'cancelled'; message: string };

/** A refused message: the round is unchanged and the site may still send the right one. */
export type SecAggRefusal = { ok: false; code: SecAggErrorCode; message: string };

/** What a driver is built from. */
export interface SecAggDriverArgs {
  round: SecAggRound;
  /** The coordinator's injected clock (ms). */
  now: () => number;
  /** How long each stage waits; masked-input includes the sites' training. */
  stageMs: Readonly<Record<SecAggStage, number>>;
  send: (message: SecAggOutbound) => void;
  /** The current global weights: a group no survivor trained keeps them. */
  current?: Float32Array;
}

/**
 * Drives one secure-aggregation round on the coordinator: hands each site's message for the open stage to
 * `SecAggServer`, closes the stage when every expected site answered or its deadline passed, and sends each
 * site the next stage's input. It holds no socket: the gateway authenticates the site and calls `receive`.
 */
export class SecAggRoundDriver {
  private readonly server: SecAggServer;
  private stage: SecAggStage | 'closing' | 'done' = 'advertise';
  private deadline: number;
  private waitingFor: Set<string>;
  private settle!: (outcome: SecAggOutcome) => void;
  /** Resolves once, when the round finished or was aborted. */
  readonly outcome: Promise<SecAggOutcome>;

  constructor(private readonly args: SecAggDriverArgs) {
    this.server = new SecAggServer({ round: args.round });
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    this.deadline = args.now() + args.stageMs.advertise;
    this.waitingFor = new Set(args.round.roster.keys());
  }

  /** The stage now open, or undefined once the round ended. */
  get openStage(): SecAggStage | undefined {
    return this.stage === 'closing' || this.stage === 'done' ? undefined : this.stage;
  }

  /**
   * One site's message for `stage`, from the connection authenticated as `siteId`; refused, changing
   * nothing, when the stage is not open, the message names another site, or the protocol refuses it.
   */
  async receive(args: {
    siteId: string;
    stage: SecAggStage;
    raw: unknown;
  }): Promise<{ ok: true } | SecAggRefusal> {
    const { siteId, stage, raw } = args;
    if (stage !== this.stage)
      return refusal('wrong_stage', `a ${stage} message arrived while the round is at '${this.stage}'`);
    const named = typeof raw === 'object' && raw !== null ? (raw as { siteId?: unknown }).siteId : undefined;
    if (named !== siteId)
      return refusal(
        'unknown_site',
        `a ${stage} message for ${String(named)} arrived on ${siteId}'s connection`,
      );
    try {
      this.accept(stage, raw);
    } catch (error) {
      if (error instanceof SecAggError) return refusal(error.code, error.message);
      throw error;
    }
    this.waitingFor.delete(siteId);
    if (this.waitingFor.size === 0) await this.close();
    return { ok: true };
  }

  /** Closes the open stage once its deadline has passed (called from the coordinator's tick). */
  async tick(): Promise<void> {
    if (this.openStage !== undefined && this.args.now() >= this.deadline) await this.close();
  }

  /** Ends the round without an aggregate (the run was cancelled or the coordinator is stopping). */
  abort(message: string): void {
    if (this.stage === 'done') return;
    this.stage = 'done';
    this.settle({ ok: false, code: 'cancelled', message });
  }

  private accept(stage: SecAggStage, raw: unknown): void {
    switch (stage) {
      case 'advertise':
        return this.server.receiveAdvertisement(raw);
      case 'share-keys':
        return this.server.receiveShareKeys(raw);
      case 'masked-input':
        return this.server.receiveMaskedInput(raw);
      case 'consistency':
        return this.server.receiveConsistencySignature(raw);
      case 'unmask':
        return this.server.receiveUnmaskResponse(raw);
    }
  }

  private async close(): Promise<void> {
    const stage = this.openStage;
    if (stage === undefined) return;
    this.stage = 'closing';
    try {
      await this.closeStage(stage);
    } catch (error) {
      if (!(error instanceof SecAggError)) throw error;
      this.stage = 'done';
      this.settle({ ok: false, code: error.code, message: error.message });
    }
  }

  private async closeStage(stage: SecAggStage): Promise<void> {
    const { roundId } = this.args.round;
    switch (stage) {
      case 'advertise': {
        const keys = this.server.closeAdvertise();
        const sites = keys.advertisements.map((a) => a.siteId);
        return this.open('share-keys', sites, () => ({ roundId, stage: 'share-keys', message: keys }));
      }
      case 'share-keys': {
        const forwarded = this.server.closeShareKeys();
        return this.open('masked-input', [...forwarded.keys()], (siteId) => ({
          roundId,
          stage: 'masked-input',
          message: forwarded.get(siteId)!,
        }));
      }
      case 'masked-input': {
        const check = this.server.closeMaskedInput();
        return this.open('consistency', check.survivors, () => ({
          roundId,
          stage: 'consistency',
          message: check,
        }));
      }
      case 'consistency': {
        const requests = this.server.closeConsistency();
        return this.open('unmask', [...requests.keys()], (siteId) => ({
          roundId,
          stage: 'unmask',
          message: requests.get(siteId)!,
        }));
      }
      case 'unmask': {
        const aggregate = await this.server.finish({ current: this.args.current });
        this.stage = 'done';
        return this.settle({ ok: true, aggregate });
      }
    }
  }

  /** Opens `stage`, expecting an answer from each of `sites`, and sends each its input. */
  private open(
    stage: SecAggStage,
    sites: readonly string[],
    request: (siteId: string) => SecAggRequest,
  ): void {
    this.stage = stage;
    this.deadline = this.args.now() + this.args.stageMs[stage];
    this.waitingFor = new Set(sites);
    for (const siteId of sites) this.args.send({ siteId, request: request(siteId) });
  }
}

function refusal(code: SecAggErrorCode, message: string): SecAggRefusal {
  return { ok: false, code, message };
}
