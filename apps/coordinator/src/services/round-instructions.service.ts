import { Injectable, Logger } from '@nestjs/common';
import type { EvaluateIns, FitIns, SiteFailureCode } from '@fedfuse/protocol';
import { EmptyAck, FlEvent } from '@fedfuse/protocol';
import { IdentityRepository } from '../repositories/identity.repository.ts';
import type { Round } from '../repositories/round.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { AuditService } from './audit.service.ts';
import { ConnectionsService } from './connections.service.ts';
import type { ModelBlob } from './global-model.service.ts';
import { GlobalModelService } from './global-model.service.ts';
import { crashPoint } from './crash-points.ts';
import { privacyInstruction } from './round-privacy.service.ts';
import { siteSeed } from './run-state.ts';
import { SecAggRoundsService } from './secagg-rounds.service.ts';
import { SiteFailuresService } from './site-failures.service.ts';

/** Sends sites their round instructions (train, evaluate) and audits a site that refuses one. */
@Injectable()
export class RoundInstructionsService {
  private readonly logger = new Logger('rounds');
  private readonly refusals = new Set<string>();
  /** What each live connection was already sent: socket.io delivers in order, so a resume skips those. */
  private readonly sentOver = new WeakMap<object, Set<string>>();
  private failed: (runId: string) => void = () => undefined;

  constructor(
    private readonly identity: IdentityRepository,
    private readonly models: GlobalModelService,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
    private readonly failures: SiteFailuresService,
    private readonly secagg: SecAggRoundsService,
  ) {}

  /**
   * Whether the site's current connection already carries this round's instruction: a site that connects
   * as a round starts gets it from the round's broadcast, and its resume need not send it twice.
   */
  alreadySent(siteId: string, roundId: string, stage: 'fit' | 'evaluate'): boolean {
    const socket = this.connections.get(siteId);
    return socket !== undefined && (this.sentOver.get(socket)?.has(`${roundId} ${stage}`) ?? false);
  }

  /** Called with the run's id when a site's refusal counts as its failure of the round. */
  onSiteFailure(listener: (runId: string) => void): void {
    this.failed = listener;
  }

  /** Sends a selected site its training instructions (again, after a reconnect); seeded by its stable key. */
  sendFit(context: { run: Run; round: Round; global: ModelBlob; siteId: string; siteKey: string }): void {
    const { run, round, global, siteId } = context;
    const socket = this.connections.get(siteId);
    if (!socket) return;
    const config = run.config;
    const secAgg = this.secagg.instruction(round.id);
    // A secure round this coordinator is not driving (a restart) is never sent as a plain one.
    if (config.secureAggregation && !secAgg) return;
    const ins: FitIns = {
      runId: run.id,
      roundId: round.id,
      roundNumber: round.number,
      modelSpec: config.model,
      model: this.models.reference(global, { roundId: round.id, coordinator: this.identity.get() }),
      config: {
        ...config.local,
        seed: siteSeed(config.seed, round.number, context.siteKey),
        ...(config.privacy.recordLevel ? { dpSgd: config.privacy.recordLevel } : {}),
      },
      deadline: round.deadlineAt,
      privacy: privacyInstruction(run, round, secAgg),
    };
    this.instruct({ siteId, event: FlEvent.roundStart, payload: ins, round, socket });
  }

  sendEvaluate(context: { run: Run; round: Round; model: ModelBlob; siteId: string }): void {
    const { run, round, model, siteId } = context;
    const socket = this.connections.get(siteId);
    if (!socket) return;
    const config = run.config;
    const ins: EvaluateIns = {
      runId: run.id,
      roundId: round.id,
      roundNumber: round.number,
      modelSpec: config.model,
      model: this.models.reference(model, { roundId: round.id, coordinator: this.identity.get() }),
      config: {
        batchSize: 256,
        tasks: config.model.tasks,
        bins: config.histogramBins,
        recalibrateOn: config.privacy.recordLevel ? 'validation' : 'train',
      },
      deadline: round.evaluationDeadlineAt ?? round.deadlineAt,
    };
    this.instruct({ siteId, event: FlEvent.evaluateStart, payload: ins, round, socket });
  }

  /**
   * Sends an instruction and reads its acknowledgement: a site that refuses it (a spec its data cannot
   * fit, busy, …) is audited with its reason, so the operator sees why it will not answer this round.
   */
  private instruct(o: {
    siteId: string;
    event: typeof FlEvent.roundStart | typeof FlEvent.evaluateStart;
    payload: FitIns | EvaluateIns;
    round: Round;
    socket: NonNullable<ReturnType<ConnectionsService['get']>>;
  }): void {
    const { siteId, event, round } = o;
    const sent = this.sentOver.get(o.socket) ?? new Set<string>();
    sent.add(`${round.id} ${event === FlEvent.roundStart ? 'fit' : 'evaluate'}`);
    this.sentOver.set(o.socket, sent);
    o.socket
      .timeout(15_000)
      .emitWithAck(event, o.payload)
      .then(async (ack: unknown) => {
        const refused = EmptyAck.safeParse(ack);
        // The first site holds its instructions and none can have answered yet: mid-training, exactly.
        if (event === FlEvent.roundStart && refused.success && refused.data.ok)
          crashPoint('training', round.number);
        if (!refused.success || refused.data.ok) return;
        // A round is re-sent after a reconnect or resync; one audit entry per site, round and event.
        const key = `${round.id} ${siteId} ${event}`;
        if (this.refusals.has(key)) return;
        if (this.refusals.size >= 10_000) this.refusals.clear();
        this.refusals.add(key);
        await this.audit.record({
          actor: { kind: 'site', id: siteId },
          action: 'round.instruction_refused',
          subject: round.runId,
          outcome: 'refused',
          details: {
            round: round.number,
            event,
            code: refused.data.error.code,
            reason: refused.data.error.message,
          },
        });
        await this.refusalFails({ siteId, event, round, error: refused.data.error });
      })
      .catch((error: Error) =>
        this.logger.warn(
          `site ${siteId} did not acknowledge ${event} of round ${round.number}: ${error.message}`,
        ),
      );
  }

  /**
   * A refusal other than `busy` will not change on a resend (the spec does not fit the site's data, or
   * the instruction is malformed): it is the site's failure of the round, so the round need not wait for it.
   */
  private async refusalFails(o: {
    siteId: string;
    event: typeof FlEvent.roundStart | typeof FlEvent.evaluateStart;
    round: Round;
    error: { code: string; message: string };
  }): Promise<void> {
    if (o.error.code === 'busy') return;
    const failure = {
      roundId: o.round.id,
      stage: o.event === FlEvent.roundStart ? ('fit' as const) : ('evaluate' as const),
      code: failureCode(o.error.code),
      message: `${o.error.code}: ${o.error.message}`.slice(0, 500),
      retryable: false,
    };
    const stored = await this.failures.record(o.siteId, failure, { audited: true });
    if (stored) this.failed(o.round.runId);
  }
}

const POLICY_CODES = ['privacy_budget_exceeded', 'secure_aggregation_required', 'too_few_sites'] as const;

/** A privacy-policy refusal keeps its own code (the operator sees which rule); any other is a spec mismatch. */
function failureCode(ackCode: string): SiteFailureCode {
  return POLICY_CODES.find((code) => code === ackCode) ?? 'spec_mismatch';
}
