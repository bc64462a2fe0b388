import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type {
  Ack,
  EnrollmentResult,
  EvaluateIns,
  EvaluateRes,
  FitIns,
  FitPrivacy,
  FitRecordLevel,
  LossTerms,
  RoundCancelled,
  RoundFailure,
  SiteDataSchema,
  SiteSync,
  SubmitReceipt,
  TransferChunk,
  TransferRef,
} from '@fedfuse/protocol';
import {
  ChunkReassembler,
  FlEvent,
  FlRoute,
  PROTOCOL_VERSION,
  DEFAULT_CHUNK_WINDOW,
  chunkTransfer,
  decodeWeights,
  weightsWriter,
  sendWindowed,
} from '@fedfuse/protocol';
import {
  Identity,
  respondToChallenge,
  sealDelta,
  sealedNonce,
  signEnrollment,
  toBase64,
  verifyChallenge,
  verifyGlobalWeights,
  fromBase64,
} from '@fedfuse/crypto';
import type { SignedChallenge } from '@fedfuse/crypto';

/** What a scripted site answers to a round: its delta and counts (no tfjs: tests stay fast). */
export interface FitBehaviour {
  delta(global: Float32Array, ins: FitIns): Float32Array;
  numExamples: number;
  groupExamples?: Record<string, number>;
  /** Mean training loss per local epoch, as a daemon reports it; [0.5] when not given. */
  lossPerEpoch?: number[];
  /** The last epoch's loss in its terms, as a daemon reports it; left out when not given. */
  lossTerms?: LossTerms;
  /** DP rounds: what the site reports about its clipping. */
  privacy?: FitPrivacy;
  /** Record-level DP-SGD runs: the per-patient ε the site reports. */
  recordLevel?: FitRecordLevel;
}

/** What a socket presents as `auth`: an object, or socket.io's callback form (asked again on every reconnect). */
export type SocketAuth = object | ((cb: (data: object) => void) => void);

/**
 * A real protocol peer for coordinator tests: enrolls, signs a fresh challenge into its socket's auth,
 * fetches chunked weights, seals deltas and submits them over a real socket. It is a site, not a mock:
 * every message goes through the coordinator's validation like a daemon's would.
 */
export class TestSite {
  // Kept so a test can sign as the enrolled site under its coordinator-given id (secure aggregation).
  private readonly seeds = { signingSeed: randomBytes(32), boxSecretKey: randomBytes(32) };
  readonly identity = Identity.fromSeeds({ role: 'site', id: 'test-site', ...this.seeds });
  socket?: Socket;
  siteId?: string;
  coordinatorSigningKey?: Uint8Array;
  coordinatorBoxKey?: Uint8Array;
  readonly received: FitIns[] = [];
  readonly evaluations: EvaluateIns[] = [];
  /** Every `round:cancelled` the coordinator sent this site. */
  readonly cancellations: RoundCancelled[] = [];
  lastChallenge?: SignedChallenge;
  lastResponse?: SignedChallenge;
  /** Challenges asked for so far (one per connection attempt). */
  challenges = 0;
  autoTrain?: FitBehaviour;
  autoEvaluate = true;
  /** When set, evaluations also carry a validation split whose pooled AUC is this, per round (0.5 to 1). */
  validationAuc?: (roundNumber: number) => number;
  /** When set, `round:start` is refused with this error, as a daemon refuses a spec its data cannot fit. */
  refuseRoundStart?: { code: string; message: string };
  /** When set, `round:start` is accepted and then answered with this `round:failed`, as a failed training is. */
  failRoundStart?: Pick<RoundFailure, 'code' | 'message' | 'retryable'>;

  constructor(
    private readonly url: string,
    readonly name = 'Test Hospital',
  ) {}

  /** This site's identity under `id` (same keys): what a protocol naming sites by their registry id signs with. */
  identityAs(id: string): Identity {
    return Identity.fromSeeds({ role: 'site', id, ...this.seeds });
  }

  /**
   * Opens the /fl socket with `auth`; resolves with the sync the coordinator sends once connected, or
   * with the refusal socket.io hands to connect_error (its `data`). A transport failure rejects.
   */
  connectWith(auth: SocketAuth, options: { reconnection?: boolean } = {}): Promise<Ack<SiteSync>> {
    this.socket?.disconnect();
    const socket = io(`${this.url}/fl`, {
      transports: ['websocket'],
      reconnection: options.reconnection ?? false,
      forceNew: true,
      auth,
    });
    this.socket = socket;
    this.listen(socket);
    return new Promise((resolve, reject) => {
      socket.once(FlEvent.statusSynced, (sync: SiteSync) => resolve({ ok: true, data: sync }));
      socket.once('connect_error', (err: Error & { data?: { code: string; message: string } }) =>
        err.data ? resolve({ ok: false, error: err.data } as Ack<SiteSync>) : reject(err),
      );
    });
  }

  private listen(socket: Socket): void {
    socket.on(FlEvent.roundCancelled, (cancelled: RoundCancelled) => this.cancellations.push(cancelled));
    socket.on(FlEvent.roundStart, (ins: FitIns, ack: (a: Ack) => void) => {
      this.received.push(ins);
      if (this.refuseRoundStart) return ack({ ok: false, error: this.refuseRoundStart } as Ack);
      ack({ ok: true, data: undefined });
      const failure = this.failRoundStart;
      if (failure)
        return void this.emit(FlEvent.roundFailed, {
          runId: ins.runId,
          roundId: ins.roundId,
          stage: 'fit',
          ...failure,
        });
      if (this.autoTrain) this.once(`fit ${ins.roundId}`, () => this.train(ins, this.autoTrain!));
    });
    socket.on(FlEvent.evaluateStart, (ins: EvaluateIns, ack: (a: Ack) => void) => {
      this.evaluations.push(ins);
      ack({ ok: true, data: undefined });
      if (this.autoEvaluate) this.once(`evaluate ${ins.roundId}`, () => this.evaluate(ins));
    });
    socket.on(FlEvent.weightsChunk, (chunk: TransferChunk, ack: (a: unknown) => void) => {
      const download = this.downloads.get(chunk.transferId);
      const receipt = download
        ? download.assembler.push(chunk)
        : { ok: false, error: { code: 'unknown_transfer', message: 'not fetching' } };
      // A delay before each ack stands for the latency of a long link (bench:download).
      if (download?.ackDelayMs) setTimeout(() => ack(receipt), download.ackDelayMs);
      else ack(receipt);
      this.chunkArrived?.();
    });
  }

  private readonly inFlight = new Set<string>();

  /**
   * Works on an instruction unless the same one is still in hand, as the daemon does: the coordinator
   * sends the current instruction again on every new connection (and on a resync).
   */
  private once(key: string, work: () => Promise<unknown>): void {
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    void work()
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(key));
  }

  private readonly downloads = new Map<string, { assembler: ChunkReassembler; ackDelayMs?: number }>();
  private chunkArrived?: () => void;

  async emit<T>(event: string, payload: unknown): Promise<Ack<T>> {
    return (await this.socket!.timeout(10_000).emitWithAck(event, payload)) as Ack<T>;
  }

  private async post<T>(route: string, body: unknown): Promise<Ack<T>> {
    const response = await fetch(`${this.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Ack<T>;
  }

  /** Enrolls over HTTP with a one-time token and pins the coordinator's keys. */
  /** Sends site:report with `schema` (no patients counted), as a daemon does after its handshake. */
  report(schema: SiteDataSchema): Promise<Ack> {
    const report = {
      softwareVersion: '0.1.0',
      backend: 'wasm',
      combinations: {},
      trainPatients: 0,
      testPatients: 0,
    };
    return this.emit(FlEvent.siteReport, { ...report, schema });
  }

  async enroll(token: string): Promise<Ack<EnrollmentResult>> {
    const request = signEnrollment({
      site: this.identity,
      token,
      siteName: this.name,
      protocolVersion: PROTOCOL_VERSION,
    });
    const result = await this.post<EnrollmentResult>(FlRoute.enroll, request);
    if (result.ok) {
      this.siteId = result.data.siteId;
      this.coordinatorSigningKey = fromBase64(result.data.coordinatorSigningKey, 32, 'key');
      this.coordinatorBoxKey = fromBase64(result.data.coordinatorBoxKey, 32, 'key');
    }
    return result;
  }

  /** Asks for a fresh challenge over HTTP. */
  async challenge(): Promise<Ack<SignedChallenge>> {
    this.challenges++;
    const challenge = await this.post<SignedChallenge>(FlRoute.challenge, {
      siteId: this.siteId,
      protocolVersion: PROTOCOL_VERSION,
    });
    if (challenge.ok) this.lastChallenge = challenge.data;
    return challenge;
  }

  /** Checks the challenge against the pinned coordinator key and signs it back. */
  respond(challenge: SignedChallenge): SignedChallenge {
    const verified = verifyChallenge({
      challenge,
      pinnedCoordinatorKey: this.coordinatorSigningKey!,
      siteId: this.siteId!,
      protocolVersion: PROTOCOL_VERSION,
      now: Date.now(),
    });
    if (!verified.ok) throw new Error(`coordinator challenge did not verify: ${verified.error.message}`);
    this.lastResponse = respondToChallenge({ site: this.identity, challenge });
    return this.lastResponse;
  }

  /** socket.io's auth callback as a daemon passes it: a fresh challenge, signed, on every (re)connect. */
  readonly freshAuth = (cb: (data: object) => void): void => {
    void this.challenge().then((c) => cb(c.ok ? this.respond(c.data) : {}));
  };

  /** Connects with a freshly signed challenge; the challenge's refusal, the connection's, or the sync. */
  async handshake(): Promise<Ack<SiteSync>> {
    const challenge = await this.challenge();
    if (!challenge.ok) return challenge;
    return this.connectWith(this.respond(challenge.data));
  }

  /**
   * Fetches the round's global weights over chunks and checks the coordinator's signature; `window` is
   * sent with the fetch, and `ackDelayMs` holds back each chunk's ack.
   */
  async fetchWeights(
    ins: { roundId: string; model: FitIns['model'] },
    options: { window?: number; ackDelayMs?: number } = {},
  ): Promise<Float32Array> {
    const verified = verifyGlobalWeights({
      coordinatorKey: this.coordinatorSigningKey!,
      signature: ins.model.signature,
      roundId: ins.roundId,
      modelHash: ins.model.modelHash,
      manifestHash: ins.model.manifestHash,
    });
    if (!verified.ok) throw new Error(verified.error.message);
    // As a site daemon downloads (weights-source.ts): each chunk copied into the whole on arrival.
    const assembler = new ChunkReassembler({ expected: ins.model.weights, wholeAtFirstChunk: true });
    this.downloads.set(ins.model.weights.transferId, { assembler, ackDelayMs: options.ackDelayMs });
    const done = new Promise<void>((resolve) => {
      this.chunkArrived = () => assembler.complete && resolve();
    });
    const ref = await this.emit<TransferRef>(FlEvent.weightsFetch, {
      transferId: ins.model.weights.transferId,
      fromIndex: 0,
      window: options.window,
    });
    if (!ref.ok) throw new Error(ref.error.message);
    await done;
    this.downloads.delete(ins.model.weights.transferId);
    const bytes = await assembler.finish();
    if (!bytes.ok) throw new Error(bytes.error.message);
    const decoded = decodeWeights(bytes.data, { share: true }); // the download's own buffer: no copy
    if (!decoded.ok) throw new Error(decoded.error.message);
    return decoded.data.values;
  }

  /** Seals `delta`, uploads it in chunks and submits; `tamper` flips a byte of the sealed box first. */
  async submit(
    ins: FitIns,
    options: {
      delta: Float32Array;
      numExamples: number;
      groupExamples?: Record<string, number>;
      lossPerEpoch?: number[];
      lossTerms?: LossTerms;
      privacy?: FitPrivacy;
      recordLevel?: FitRecordLevel;
      tamper?: boolean;
      roundId?: string;
    },
  ): Promise<Ack<SubmitReceipt>> {
    const roundId = options.roundId ?? ins.roundId;
    // As a site daemon seals (fit-result.ts): the delta encoded straight into the sealed buffer.
    const { sealed } = sealDelta({
      site: this.identity,
      coordinatorBoxKey: this.coordinatorBoxKey!,
      context: { siteId: this.siteId!, roundId, stage: 'fit', modelHash: ins.model.modelHash },
      payload: weightsWriter({ manifest: ins.model.manifest, values: options.delta }),
    });
    if (options.tamper) sealed[sealed.length - 5]! ^= 0x01;
    const transfer = await chunkTransfer(sealed, { chunkDigests: false });
    // As a site daemon sends (fit-uploader.ts): the first chunk alone opens the transfer, then a window of them.
    let refused: Ack<never> | undefined;
    const send = async (chunk: TransferChunk): Promise<boolean> => {
      const receipt = await this.emit(FlEvent.deltaChunk, chunk);
      if (!receipt.ok) refused ??= receipt;
      return receipt.ok;
    };
    const chunks = transfer.chunks();
    const first = chunks.next();
    if (!first.done && (await send(first.value)))
      await sendWindowed(chunks, { window: DEFAULT_CHUNK_WINDOW, send });
    if (refused) return refused;
    return this.emit<SubmitReceipt>(FlEvent.roundSubmit, {
      runId: ins.runId,
      roundId: ins.roundId,
      delta: { transfer: transfer.ref, nonce: toBase64(sealedNonce(sealed)!) },
      numExamples: options.numExamples,
      groupExamples: options.groupExamples ?? {},
      metrics: { loss: options.lossPerEpoch?.at(-1) ?? 0.5 },
      lossPerEpoch: options.lossPerEpoch ?? [0.5],
      lossTerms: options.lossTerms,
      privacy: options.privacy,
      recordLevel: options.recordLevel,
    });
  }

  async train(ins: FitIns, behaviour: FitBehaviour): Promise<Ack<SubmitReceipt>> {
    const global = await this.fetchWeights(ins);
    return this.submit(ins, {
      delta: behaviour.delta(global, ins),
      numExamples: behaviour.numExamples,
      groupExamples: behaviour.groupExamples,
      lossPerEpoch: behaviour.lossPerEpoch,
      lossTerms: behaviour.lossTerms,
      privacy: behaviour.privacy,
      recordLevel: behaviour.recordLevel,
    });
  }

  /** Answers an evaluation with fixed histograms (AUC 0.75 per task) so pooling can be checked. */
  async evaluate(ins: EvaluateIns): Promise<Ack<SubmitReceipt>> {
    const bins = ins.config.bins;
    const positives = new Array<number>(bins).fill(0);
    const negatives = new Array<number>(bins).fill(0);
    positives[bins - 1] = 3;
    positives[0] = 1;
    negatives[0] = 4;
    const res: EvaluateRes = {
      runId: ins.runId,
      roundId: ins.roundId,
      numExamples: 8,
      tasks: Object.fromEntries(
        ins.config.tasks.map((t) => [
          t,
          { numExamples: 8, metrics: { f1: 0.8, accuracy: 0.75 }, histogram: { bins, positives, negatives } },
        ]),
      ),
      ...(this.validationAuc ? { validation: validationOf(ins, this.validationAuc(ins.roundNumber)) } : {}),
    };
    return this.emit<SubmitReceipt>(FlEvent.evaluateSubmit, res);
  }

  private alive = false;

  /** Keeps the site connected and authenticated, reconnecting after any drop (as a daemon does). */
  keepAlive(options: { retryMs?: number } = {}): void {
    this.alive = true;
    const retryMs = options.retryMs ?? 200;
    const loop = async () => {
      while (this.alive) {
        try {
          const accepted = await this.handshake();
          if (!accepted.ok) throw new Error(accepted.error.message);
          await new Promise((resolve) => this.socket!.once('disconnect', resolve));
        } catch {
          this.socket?.disconnect();
          await new Promise((resolve) => setTimeout(resolve, retryMs));
        }
      }
    };
    void loop();
  }

  close(): void {
    this.alive = false;
    this.socket?.disconnect();
  }
}

/**
 * 100 negatives in the lowest bin, k of 100 positives in the highest and the rest tied with the negatives:
 * AUC = 0.5 + k / 200, so any AUC from 0.5 to 1 in steps of 0.005.
 */
function validationOf(ins: EvaluateIns, auc: number): NonNullable<EvaluateRes['validation']> {
  const bins = ins.config.bins;
  const k = Math.round((auc - 0.5) * 200);
  const positives = new Array<number>(bins).fill(0);
  const negatives = new Array<number>(bins).fill(0);
  positives[bins - 1] = k;
  positives[0] = 100 - k;
  negatives[0] = 100;
  const task = { numExamples: 200, metrics: {}, histogram: { bins, positives, negatives } };
  return { numExamples: 200, tasks: Object.fromEntries(ins.config.tasks.map((t) => [t, task])) };
}
