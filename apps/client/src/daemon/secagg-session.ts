import type { Identity } from '@fedfuse/crypto';
import type { Ack, SecAggFitReport, SecAggRequest, SecAggStage, SecAggSubmission } from '@fedfuse/protocol';
import type { SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { SecAggError, SecAggSite } from '@fedfuse/secagg';
import type { ChunkSend } from './masked-upload.ts';
import { uploadMasked } from './masked-upload.ts';

/** Sends one answer as `secagg:submit` and resolves with the coordinator's acknowledgement. */
export type SecAggSend = (submission: SecAggSubmission) => Promise<Ack<unknown>>;

/** What a session is built from. */
export interface SecAggSessionArgs {
  round: SecAggRound;
  identity: Identity;
  /** The id the coordinator enrolled this site under (the roster's). */
  siteId: string;
  send: SecAggSend;
  /** Sends one chunk of the masked input's transfer (`delta:chunk`). */
  sendChunk: ChunkSend;
  /** Test only (FEDFUSE_TEST_DUMP_SECAGG_UPDATES): sees the quantised update before it is masked. */
  onQuantised?: (words: Uint32Array) => void;
}

/**
 * This site's part in one securely aggregated round: advertises its keys when the round starts, answers
 * each `secagg:request`, and masks its trained delta once both the delta and the forwarded shares are in
 * (training and key sharing run side by side). Only masked data and shares it may reveal ever leave it.
 */
export class SecAggSession {
  private readonly site: SecAggSite;
  private update: SiteUpdate | undefined;
  private fit: SecAggFitReport | undefined;
  private forwarded: unknown;
  /** Why the session stopped answering (a refused message or a failed send); undefined while it runs. */
  stopped: string | undefined;

  constructor(private readonly args: SecAggSessionArgs) {
    this.site = new SecAggSite({
      round: args.round,
      identity: args.identity,
      siteId: args.siteId,
      onQuantised: args.onQuantised,
    });
  }

  /** Stage 0: advertise this round's keys. */
  start(): Promise<void> {
    return this.answer('advertise', () => this.site.advertise());
  }

  /**
   * The trained delta (clipped already in a DP round): masked at once if the shares have arrived. `fit` (the
   * training loss and counts, never the update) travels beside the masked input, as FitRes carries it.
   */
  provide(update: SiteUpdate, fit?: SecAggFitReport): Promise<void> {
    this.update = update;
    this.fit = fit;
    return this.maskIfReady();
  }

  /** One `secagg:request` for this round: the input to the stage it names. */
  async onRequest(envelope: SecAggRequest): Promise<void> {
    if (envelope.roundId !== this.args.round.roundId || this.stopped) return;
    switch (envelope.stage) {
      case 'share-keys':
        return this.answer('share-keys', () => this.site.shareKeys(envelope.message));
      case 'masked-input':
        this.forwarded = envelope.message;
        return this.maskIfReady();
      case 'consistency':
        return this.answer('consistency', () => this.site.signSurvivors(envelope.message));
      case 'unmask':
        return this.answer('unmask', () => this.site.unmask(envelope.message));
    }
  }

  private maskIfReady(): Promise<void> {
    const { update, forwarded } = this;
    if (update === undefined || forwarded === undefined) return Promise.resolve();
    this.forwarded = undefined;
    return this.answer('masked-input', async () => {
      const { masked, ...ids } = this.site.maskInput(forwarded, update);
      const sent = await uploadMasked(masked, this.args.sendChunk);
      if (!sent.ok) throw new MaskedUploadRefused(`${sent.error.code}: ${sent.error.message}`);
      return { ...ids, transfer: sent.data, ...(this.fit ? { fit: this.fit } : {}) };
    });
  }

  private async answer(stage: SecAggStage, work: () => unknown): Promise<void> {
    let message: unknown;
    try {
      message = await work();
    } catch (error) {
      if (!(error instanceof SecAggError || error instanceof MaskedUploadRefused)) throw error;
      if (error instanceof MaskedUploadRefused) return this.stop(`${stage} refused: ${error.message}`);
      return this.stop(`${stage}: ${error.code}: ${error.message}`);
    }
    // SecAggSite's reply for a stage is that stage's message; the union cannot see the pairing.
    const submission = { roundId: this.args.round.roundId, stage, message } as SecAggSubmission;
    const ack = await this.args.send(submission);
    if (!ack.ok) this.stop(`${stage} refused: ${ack.error.code}: ${ack.error.message}`);
  }

  private stop(reason: string): void {
    this.stopped ??= reason;
  }
}

/** The coordinator refused a chunk of the masked input: the session stops as for a refused answer. */
class MaskedUploadRefused extends Error {}
