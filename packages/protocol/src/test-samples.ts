// Valid example payloads for tests (one per event), kept in one place so fuzzing can mutate each of them.
import type { z } from 'zod';

import { FlEvent, FlRoute, OpsEvent } from './event-names.ts';
import type { EventSchemas } from './event-schema.ts';
import { flClientEventSchemas, flServerEventSchemas } from './fl-events.ts';
import { flRouteSchemas } from './fl-routes.ts';
import { ChallengeResponse } from './handshake.ts';
import type { WeightsManifest } from './manifest.ts';
import { opsClientEventSchemas, opsServerEventSchemas } from './ops-events.ts';

const RUN = '6f1c2b1e-8d4a-4f6e-9a51-3c2d7e8f9a01';
const ROUND = '0b7e4c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d';
const SITE = '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d';
const TRANSFER = 'c4d5e6f7-0819-4a2b-8c3d-4e5f6a7b8c9d';
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const KEY = 'A'.repeat(43) + '=';
const SIG = 'B'.repeat(86) + '==';
const NONCE32 = 'C'.repeat(43) + '=';
const NONCE24 = 'D'.repeat(32);
const T0 = 1_767_225_600_000;
const FINGERPRINT = Array.from({ length: 16 }, () => 'ab12').join(' ');

/** A two-tensor manifest of 10 parameters. */
export const sampleManifest: WeightsManifest = {
  dtype: 'float32',
  tensors: [
    { name: 'dense/kernel', shape: [2, 4] },
    { name: 'dense/bias', shape: [2] },
  ],
  numParams: 10,
};

const transferRef = {
  transferId: TRANSFER,
  totalBytes: 1000,
  chunkBytes: 512,
  chunkCount: 2,
  sha256: HASH_A,
};
const model = {
  modelHash: HASH_A,
  manifest: sampleManifest,
  manifestHash: HASH_B,
  weights: transferRef,
  signature: SIG,
};
const sync = {
  siteId: SITE,
  siteStatus: 'approved',
  serverTime: T0,
  run: { runId: RUN, name: 'multimodal-auc', state: 'running' },
  round: {
    roundId: ROUND,
    roundNumber: 3,
    stage: 'fit',
    deadline: T0 + 60_000,
    selected: true,
    submitted: false,
  },
};
const histogram = { bins: 4, positives: [0, 1, 2, 3], negatives: [4, 3, 2, 1] };
const site = {
  siteId: SITE,
  name: 'Hospital A',
  status: 'approved',
  connected: true,
  fingerprint: FINGERPRINT,
  enrolledAt: T0,
  lastSeenAt: null,
  roundsJoined: 2,
  updatesRejected: 1,
  lastRejection: { at: T0, code: 'wrong_round', reason: 'round 1 is closed; it is not the current round' },
};
const progress = {
  runId: RUN,
  roundId: ROUND,
  roundNumber: 3,
  stage: 'fit',
  selected: 4,
  submitted: 2,
  failed: 1,
  startedAt: T0,
  deadline: T0 + 60_000,
};
const audit = {
  id: TRANSFER,
  at: T0,
  actor: { kind: 'operator', id: 'alice' },
  action: 'site.approved',
  subject: SITE,
  outcome: 'ok',
  details: {},
};
const challenge = {
  siteId: SITE,
  nonce: NONCE32,
  coordinatorKey: KEY,
  protocolVersion: 1,
  expiresAt: T0 + 30_000,
  signature: SIG,
};
const receipt = {
  roundId: ROUND,
  messageKey: `${SITE}/${ROUND}/fit/00`,
  acceptedAt: T0,
  alreadyAccepted: false,
};

const enrollmentRequest = {
  token: 'tok_0123456789abcdef',
  siteName: 'Hospital A',
  signingKey: KEY,
  boxKey: KEY,
  protocolVersion: 1,
  signature: SIG,
};
const enrollmentResult = {
  siteId: SITE,
  status: 'pending',
  coordinatorSigningKey: KEY,
  coordinatorBoxKey: KEY,
  coordinatorFingerprint: FINGERPRINT,
};

/** Valid request body per HTTP route a site calls. */
export const flRouteSamples = {
  [FlRoute.enroll]: enrollmentRequest,
  [FlRoute.challenge]: { siteId: SITE, protocolVersion: 1 },
};

/** Valid answer data per HTTP route a site calls. */
export const flRouteAckSamples = {
  [FlRoute.enroll]: enrollmentResult,
  [FlRoute.challenge]: challenge,
};

/** A valid `auth` of a site's /fl socket: its signed challenge response. */
const flAuthSample = challenge;

/** Valid payload per event sent by a site on /fl. */
export const flClientSamples = {
  [FlEvent.statusResync]: { runId: RUN, roundId: null },
  [FlEvent.siteReport]: {
    softwareVersion: '0.1.0',
    backend: 'wasm',
    combinations: { 'ehr.imaging.genomics': 80, ehr: 40 },
    trainPatients: 96,
    testPatients: 24,
    schema: {
      modalities: ['ehr', 'imaging', 'genomics'],
      ehr: { dim: 3, namesHash: HASH_A, names: ['age', 'sex=F', 'age_missing'] },
      genomics: { genes: 500, panelHash: HASH_B },
      imageShape: [32, 32, 1],
      tasks: { cancer: { train: 90, test: 20 }, cardiac: { train: 60 } },
    },
  },
  [FlEvent.weightsFetch]: { transferId: TRANSFER, fromIndex: 1 },
  [FlEvent.deltaChunk]: { ...transferRef, index: 1, data: new Uint8Array(488) },
  [FlEvent.roundSubmit]: {
    runId: RUN,
    roundId: ROUND,
    delta: { transfer: transferRef, nonce: NONCE24 },
    numExamples: 120,
    groupExamples: { imaging: 100, genomics: 80 },
    metrics: { loss: 0.42, accuracy: 0.81 },
    lossPerEpoch: [0.6, 0.5, 0.42],
  },
  [FlEvent.evaluateSubmit]: {
    runId: RUN,
    roundId: ROUND,
    numExamples: 40,
    tasks: { mortality: { numExamples: 16, metrics: { auc: 0.77 }, histogram } },
  },
  [FlEvent.roundFailed]: {
    runId: RUN,
    roundId: ROUND,
    stage: 'fit',
    code: 'training_error',
    message: 'Argument tensors passed to stack must be a Tensor[] or TensorLike[]',
    retryable: false,
  },
  [FlEvent.secaggSubmit]: {
    roundId: ROUND,
    stage: 'masked-input',
    message: { siteId: 'site-1', roundId: ROUND, sessionId: 'ab'.repeat(32), transfer: transferRef },
  },
};

/** Valid ack data per event sent by a site on /fl. */
const flClientAckSamples = {
  [FlEvent.statusResync]: sync,
  [FlEvent.siteReport]: undefined,
  [FlEvent.weightsFetch]: transferRef,
  [FlEvent.deltaChunk]: { transferId: TRANSFER, received: 2, complete: true },
  [FlEvent.roundSubmit]: receipt,
  [FlEvent.evaluateSubmit]: receipt,
  [FlEvent.roundFailed]: undefined,
  [FlEvent.secaggSubmit]: undefined,
};

/** A valid ModelSpec (the default architecture, one task). */
export const sampleModelSpec = {
  fusion: 'hybrid',
  tasks: ['mortality'],
  ehrDim: 32,
  genomicsDim: 2000,
  imageShape: [64, 64, 1],
  d: 64,
  ehrHidden: 64,
  genomicsHidden: 256,
  convFilters: [16, 32, 64],
  headHidden: 32,
  genomicsNoise: 0.3,
  l2: 1e-5,
  genomicsDecayFactor: 10,
  alignWeight: 0.01,
  reconWeight: 0.1,
  auxWeight: 0.3,
  seed: 1,
};

/** Valid payload per event sent by the coordinator on /fl. */
export const flServerSamples = {
  [FlEvent.statusSynced]: sync,
  [FlEvent.weightsChunk]: { ...transferRef, index: 0, data: new Uint8Array(512) },
  [FlEvent.roundStart]: {
    runId: RUN,
    roundId: ROUND,
    roundNumber: 3,
    modelSpec: sampleModelSpec,
    model,
    config: {
      epochs: 2,
      batchSize: 32,
      learningRate: 0.001,
      modalityKeepProb: 0.8,
      proximalMu: 0.01,
      seed: 7,
    },
    deadline: T0 + 60_000,
  },
  [FlEvent.roundCancelled]: {
    runId: RUN,
    roundId: ROUND,
    reason: 'deadline',
    message: 'round closed at its deadline',
  },
  [FlEvent.evaluateStart]: {
    runId: RUN,
    roundId: ROUND,
    roundNumber: 3,
    modelSpec: sampleModelSpec,
    model,
    config: { batchSize: 64, tasks: ['mortality'], bins: 100 },
    deadline: T0 + 60_000,
  },
  [FlEvent.secaggRequest]: {
    roundId: ROUND,
    stage: 'consistency',
    message: { roundId: ROUND, sessionId: 'ab'.repeat(32), survivors: ['site-1', 'site-2', 'site-3'] },
  },
};

const run = {
  runId: RUN,
  name: 'multimodal-auc',
  state: 'running',
  strategy: 'fedavg',
  fusion: 'hybrid',
  tasks: ['mortality'],
  roundsPlanned: 10,
  roundsCompleted: 2,
  schedule: { cron: '0 2 * * *' },
  createdAt: T0,
  startedAt: T0,
  finishedAt: null,
  failure: 'round 3 failed 3 times',
};
const snapshot = {
  at: T0,
  protocolVersion: 1,
  sites: [site],
  run,
  runs: [run],
  round: progress,
};

/** Valid payload per event sent by a dashboard on /ops. */
export const opsClientSamples = {
  [OpsEvent.federationSnapshot]: {},
  [OpsEvent.auditList]: { limit: 50, before: null, cursor: `${T0}_${TRANSFER}` },
};

/** Valid ack data per event sent by a dashboard on /ops. */
const opsClientAckSamples = {
  [OpsEvent.federationSnapshot]: snapshot,
  [OpsEvent.auditList]: { entries: [audit], hasMore: true, nextCursor: `${T0}_${TRANSFER}` },
};

/** Valid payload per broadcast on /ops. */
export const opsServerSamples = {
  [OpsEvent.federationSynced]: snapshot,
  [OpsEvent.siteUpdated]: site,
  [OpsEvent.runUpdated]: run,
  [OpsEvent.roundProgressed]: progress,
  [OpsEvent.metricsRecorded]: {
    runId: RUN,
    roundId: ROUND,
    roundNumber: 3,
    stage: 'evaluate',
    at: T0,
    metrics: { 'auc/mortality': 0.8 },
  },
  [OpsEvent.auditAppended]: audit,
};

type Registry = Record<string, EventSchemas>;

/** Every (name, schema, valid sample) triple, payloads and acknowledgements alike. */
export function allCases(): { name: string; schema: z.ZodType; sample: unknown }[] {
  const cases: { name: string; schema: z.ZodType; sample: unknown }[] = [];
  const add = (reg: Registry, payloads: Record<string, unknown>, acks?: Record<string, unknown>) => {
    for (const [event, s] of Object.entries(reg)) {
      cases.push({ name: `${event} payload`, schema: s.payload, sample: payloads[event] });
      if (s.ack && acks) cases.push({ name: `${event} ack`, schema: s.ack, sample: acks[event] });
    }
  };
  add(flRouteSchemas, flRouteSamples, flRouteAckSamples);
  cases.push({ name: '/fl auth', schema: ChallengeResponse, sample: flAuthSample });
  add(flClientEventSchemas, flClientSamples, flClientAckSamples);
  add(flServerEventSchemas, flServerSamples);
  add(opsClientEventSchemas, opsClientSamples, opsClientAckSamples);
  add(opsServerEventSchemas, opsServerSamples);
  return cases;
}
