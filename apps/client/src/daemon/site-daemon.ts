import { availableParallelism } from 'node:os';
import type { Identity } from '@fedfuse/crypto';
import type { Ack, ErrorCode, SiteReport, SiteSync } from '@fedfuse/protocol';
import { FlEvent, fail, flServerEventSchemas, parseOrError } from '@fedfuse/protocol';

import type { ExitCode } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { ProgressStream } from '../log/progress-bar.ts';
import type { BackendChoice } from '../store/client-config.ts';
import { pinnedKeys, type Enrollment } from '../store/enrollment-file.ts';
import { ModelStore } from '../store/model-store.ts';
import { openEnrollment, openIdentity, openSite, requireDataConfig } from '../store/open-site.ts';
import type { PrivacyPolicy } from '../store/client-config.ts';
import { PendingStore } from '../store/pending-store.ts';
import { PrivacyLedger } from '../store/privacy-ledger.ts';
import type { SitePaths } from '../store/site-paths.ts';
import { StateFile } from '../store/state-file.ts';
import type { DataSummary } from '../trainer/messages.ts';
import { resolveThreads, type ThreadsSetting } from '../trainer/threads.ts';
import type { SiteTrainer } from '../trainer/site-trainer.ts';
import { Trainer } from '../trainer/trainer.ts';
import { SOFTWARE_VERSION } from '../version.ts';
import { Connection, type ConnectionTiming } from './connection.ts';
import { EvaluateHandler } from './evaluate-handler.ts';
import { EvaluationOutbox } from './evaluation-outbox.ts';
import { FailureReporter, errorMessage } from './failure-reporter.ts';
import { FitHandler } from './fit-handler.ts';
import { FitUploader } from './fit-uploader.ts';
import { RoundProgress } from './round-progress.ts';
import { WeightsSource } from './weights-source.ts';
import type { PoisonKind } from '../fl/poison.ts';
import { SecAggUpdateDumper } from '../fl/secagg-update-dump.ts';

/** How to run the daemon. */
export interface DaemonOptions {
  /** The site folder (`fedfuse-client init --dir`). */
  dir: string;
  /** Overrides client.yaml's backend. */
  backend?: BackendChoice;
  /** Overrides client.yaml's threads. */
  threads?: ThreadsSetting;
  log: Logger;
  /** Where progress bars are drawn (only when it is a TTY). */
  progressStream?: ProgressStream;
  timing: ConnectionTiming;
  /** Chunk size of uploaded deltas (default 512 KiB). */
  chunkBytes?: number;
  /** Simulation only: poison every delta (the simulator's attacker). */
  poison?: PoisonKind;
  /** Test only (FEDFUSE_TEST_DUMP_SECAGG_UPDATES): where each secure round's own update is written. */
  dumpSecAggUpdates?: string;
  /**
   * An already started trainer to use instead of starting one (tests, embedding); the daemon loads its
   * data into it and leaves it running on stop. A site's slot in a SharedTrainer is one.
   */
  trainer?: SiteTrainer;
}

interface Parts {
  paths: SitePaths;
  url: string;
  enrollment: Enrollment;
  site: Identity;
  trainer: SiteTrainer;
  data: DataSummary;
  pending: PendingStore;
  privacy: { policy: PrivacyPolicy; ledger: PrivacyLedger };
  ownsTrainer: boolean;
}

/**
 * The site daemon (`fedfuse-client start`): the site's data and model live in a worker thread, this thread
 * owns the socket. It authenticates on every connect, reports the site, trains and evaluates on request
 * and re-sends unfinished results after reconnecting. `exited` resolves with the process exit code.
 */
export class SiteDaemon {
  /** Resolves with 0 after stop(), 3 when the coordinator refused the site for good, 1 if the worker died. */
  readonly exited: Promise<ExitCode>;
  private resolveExit!: (code: ExitCode) => void;
  private stopping = false;
  private readonly connection: Connection;
  private readonly fit: FitHandler;
  private readonly evaluate: EvaluateHandler;
  private readonly uploader: FitUploader;
  private readonly outbox: EvaluationOutbox;

  private constructor(
    private readonly parts: Parts,
    private readonly options: DaemonOptions,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    const { log, timing } = options;
    const keys = pinnedKeys(parts.enrollment);
    this.connection = new Connection({
      url: parts.url,
      site: parts.site,
      siteId: parts.enrollment.siteId,
      pinnedSigningKey: keys.signingKey,
      timing,
      log,
      onAuthenticated: (sync) => this.afterHandshake(sync),
      onFatal: (code, message) => void this.refused(code, message),
    });
    const state = new StateFile(parts.paths.state);
    const { connection } = this;
    this.uploader = new FitUploader({
      connection,
      pending: parts.pending,
      state,
      log,
      retryDelayMs: timing.handshakeBackoffMaxMs,
    });
    this.outbox = new EvaluationOutbox({ connection, state, log });
    const weights = new WeightsSource({
      connection,
      store: new ModelStore(parts.paths.models),
      coordinatorKey: keys.signingKey,
      log,
      stallMs: timing.ackTimeoutMs,
    });
    const failures = new FailureReporter({ connection, log });
    this.fit = this.fitHandler({ weights, failures, coordinatorBoxKey: keys.boxKey });
    this.evaluate = new EvaluateHandler({
      data: parts.data,
      trainer: parts.trainer,
      weights,
      outbox: this.outbox,
      failures,
      log,
      trainedUnderRecordLevelDp: (runId) => parts.privacy.ledger.getRecordLevel(runId) !== undefined,
    });
    this.listen();
    connection.start();
  }

  private fitHandler(o: {
    weights: WeightsSource;
    failures: FailureReporter;
    coordinatorBoxKey: Uint8Array;
  }): FitHandler {
    const { parts, options } = this;
    return new FitHandler({
      site: parts.site,
      siteId: parts.enrollment.siteId,
      coordinatorBoxKey: o.coordinatorBoxKey,
      data: parts.data,
      trainer: parts.trainer,
      weights: o.weights,
      pending: parts.pending,
      uploader: this.uploader,
      failures: o.failures,
      progress: new RoundProgress(options.progressStream),
      log: options.log,
      privacy: parts.privacy,
      chunkBytes: options.chunkBytes,
      poison: options.poison,
      dumpSecAggUpdates: options.dumpSecAggUpdates
        ? new SecAggUpdateDumper(options.dumpSecAggUpdates)
        : undefined,
      sendSecAgg: (submission) =>
        this.connection
          .request(FlEvent.secaggSubmit, submission)
          .catch((err: unknown) => fail('internal', `secagg:submit not sent: ${errorMessage(err)}`)),
      sendMaskedChunk: (chunk) =>
        this.connection
          .request(FlEvent.deltaChunk, chunk)
          .catch((err: unknown) => fail('internal', `masked input chunk not sent: ${errorMessage(err)}`)),
    });
  }

  /** Read the site folder, start the worker, load the data, then connect. */
  static async start(options: DaemonOptions): Promise<SiteDaemon> {
    const { log } = options;
    const files = await openSite(options.dir);
    const enrollment = await openEnrollment(files.paths);
    const dataPath = await requireDataConfig(files);
    const privacy = { policy: files.config.privacy, ledger: await PrivacyLedger.open(files.paths.privacy) };
    const site = await openIdentity(files.paths);
    let started: Trainer | undefined;
    try {
      const pending = new PendingStore(files.paths.pending);
      for (const d of await pending.load())
        log.warn('discarded a damaged pending result', { file: d.file, reason: d.reason });
      if (pending.all().length > 0)
        log.info('results waiting to be sent', { rounds: pending.all().map((p) => p.record.roundId) });
      const trainer =
        options.trainer ??
        (started = await Trainer.start({
          backend: options.backend ?? files.config.backend,
          threads: trainingThreads(options.threads ?? files.config.threads, log),
          log,
        }));
      const data = await loadData({ trainer, path: dataPath, options });
      const url = files.config.coordinatorUrl.trim() || enrollment.coordinatorUrl;
      const parts = {
        paths: files.paths,
        url,
        enrollment,
        site,
        trainer,
        data,
        pending,
        privacy,
        ownsTrainer: !options.trainer,
      };
      return new SiteDaemon(parts, options);
    } catch (err) {
      await started?.close();
      site.close();
      throw err;
    }
  }

  /** The data summary the site reports (counts only). */
  get data(): DataSummary {
    return this.parts.data;
  }

  /** Close the socket and the worker, wipe the identity; `exited` resolves with 0. */
  stop(): Promise<void> {
    return this.finish(0);
  }

  private listen(): void {
    this.parts.trainer.onCrash((err) => {
      this.options.log.error('the training worker died', { err });
      void this.finish(1);
    });
    const { socket } = this.connection;
    const answer = (ack: unknown, result: Ack<undefined>): void => {
      if (typeof ack === 'function') (ack as (a: Ack<undefined>) => void)(result);
    };
    socket.on(FlEvent.roundStart, (raw: unknown, ack: unknown) => answer(ack, this.fit.onRoundStart(raw)));
    socket.on(FlEvent.evaluateStart, (raw: unknown, ack: unknown) =>
      answer(ack, this.evaluate.onEvaluateStart(raw)),
    );
    socket.on(FlEvent.roundCancelled, (raw: unknown) => void this.onCancelled(raw));
    socket.on(FlEvent.secaggRequest, (raw: unknown) => this.fit.onSecAggRequest(raw));
  }

  private async onCancelled(raw: unknown): Promise<void> {
    const parsed = parseOrError(flServerEventSchemas[FlEvent.roundCancelled].payload, raw);
    if (!parsed.ok)
      return this.options.log.warn('ignored a malformed round:cancelled', { reason: parsed.error.message });
    const { roundId, reason, message } = parsed.data;
    this.options.log.info('round cancelled by the coordinator', { roundId, reason, message });
    this.evaluate.cancel(roundId);
    await this.fit.cancel(roundId);
  }

  private async afterHandshake(_sync: SiteSync): Promise<void> {
    const { data, trainer } = this.parts;
    const report: SiteReport = {
      softwareVersion: SOFTWARE_VERSION,
      backend: trainer.backend,
      combinations: data.combinations,
      trainPatients: data.trainPatients,
      testPatients: data.testPatients,
      schema: data.schema,
    };
    const ack = await this.connection.request(FlEvent.siteReport, report);
    if (!ack.ok)
      this.options.log.warn('site:report refused', { code: ack.error.code, reason: ack.error.message });
    await this.uploader.uploadAll();
    await this.outbox.submitAll();
  }

  private async refused(code: ErrorCode, message: string): Promise<void> {
    this.options.log.error('stopping: the coordinator will not accept this site as it is', {
      code,
      reason: message,
    });
    await this.finish(3);
  }

  private async finish(code: ExitCode): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.fit.close();
    this.evaluate.close();
    this.uploader.close();
    this.connection.close();
    if (this.parts.ownsTrainer) await this.parts.trainer.close();
    this.parts.site.close();
    this.options.log.info('site daemon stopped', { exitCode: code });
    this.resolveExit(code);
  }
}

async function loadData(o: {
  trainer: SiteTrainer;
  path: string;
  options: DaemonOptions;
}): Promise<DataSummary> {
  const { log } = o.options;
  const spinner = new RoundProgress(o.options.progressStream).start('loading site data');
  let data: DataSummary;
  try {
    data = await o.trainer.loadData(o.path);
  } finally {
    spinner.finish();
  }
  const { report } = data;
  log.info('site data loaded', {
    site: data.site,
    backend: o.trainer.backend,
    trainPatients: data.trainPatients,
    validationPatients: data.validationPatients,
    testPatients: data.testPatients,
    combinations: data.combinations,
    rejected: report.rejected.length,
  });
  for (const r of report.rejected.slice(0, 20))
    log.warn('rejected row', { file: r.file, line: r.line, reason: r.reason });
  if (report.rejected.length > 20)
    log.warn(`${report.rejected.length - 20} more rejected rows; run "fedfuse-client check" for all`);
  for (const warning of report.warnings) log.warn(warning);
  return data;
}

/** The threads a setting asks for; more than the cores here is allowed (a quota may lift) but said. */
function trainingThreads(setting: ThreadsSetting, log: Logger): number {
  const threads = resolveThreads(setting);
  const cores = availableParallelism();
  if (threads > cores) log.warn('more training threads than cores: they will share them', { threads, cores });
  return threads;
}
