import { expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const fixture = perTestHarness();

interface RoundView {
  number: number;
  attempt: number;
  stage: string;
  failure: string | null;
  siteFailures: { siteName: string; code: string; message: string; retryable: boolean }[];
}

interface RunView {
  state: string;
  failure: string | null;
}

// The round's deadline is an hour away: a run that ends within the poll's bound ended on the sites' reasons.
const patientRun = { rounds: 2, minClients: 2, model: tinyModel, roundTimeoutSeconds: 3600 };

async function startRun(h: Harness, name: string): Promise<string> {
  const run = await h.api<{ runId: string }>('POST', '/api/runs', { name, ...patientRun });
  await h.api('POST', `/api/runs/${run.body.runId}/start`);
  return run.body.runId;
}

it('ends a round at once when every site fails it, and fails the run without retrying a failure that cannot change', async () => {
  const h = await fixture.start();
  const spec = await fixture.site(h, 'Spec Hospital');
  const crash = await fixture.site(h, 'Crash Hospital');
  spec.refuseRoundStart = {
    code: 'invalid_payload',
    message: 'modelSpec.ehrDim: this site has 31 EHR features',
  };
  crash.failRoundStart = {
    code: 'training_error',
    message: 'Argument tensors passed to stack must be a Tensor[] or TensorLike[]',
    retryable: false,
  };
  const runId = await startRun(h, 'all-fail');
  const run = await waitFor(async () => {
    const r = await h.api<RunView>('GET', `/api/runs/${runId}`);
    return r.body.state === 'failed' ? r.body : undefined;
  }, 20_000);
  expect(run.failure).toContain('Spec Hospital (spec_mismatch): invalid_payload: modelSpec.ehrDim');
  expect(run.failure).toContain('Crash Hospital (training_error): Argument tensors passed to stack');
  const rounds = await h.api<RoundView[]>('GET', `/api/runs/${runId}/rounds`);
  // No retry: one attempt of round 1, failed with both reasons.
  expect(rounds.body.map((r) => [r.number, r.attempt, r.stage])).toEqual([[1, 0, 'cancelled']]);
  expect(rounds.body[0]!.failure).toMatch(/^0 of 2 required updates; 2 of 2 sites failed/);
  expect(rounds.body[0]!.siteFailures.map((f) => [f.siteName, f.code, f.retryable]).sort()).toEqual([
    ['Crash Hospital', 'training_error', false],
    ['Spec Hospital', 'spec_mismatch', false],
  ]);
  const failed = await h.api<AuditEntry[]>('GET', '/api/audit?action=round.site_failed');
  expect(failed.body).toHaveLength(1);
  expect(failed.body[0]).toMatchObject({
    actor: { kind: 'site', id: crash.siteId },
    subject: runId,
    details: { round: 1, stage: 'fit', code: 'training_error', retryable: false },
  });
  const runFailed = await h.api<AuditEntry[]>('GET', '/api/audit?action=run.failed');
  expect(runFailed.body[0]?.details).toMatchObject({ round: 1 });
  expect(String(runFailed.body[0]?.details?.reason)).toContain('Crash Hospital');
});

it('retries a round whose sites failed for a reason that may pass, without waiting for its deadline', async () => {
  const h = await fixture.start();
  const flaky = await fixture.site(h, 'Flaky Hospital');
  const steady = await fixture.site(h, 'Steady Hospital');
  flaky.failRoundStart = { code: 'data_error', message: 'the imaging share is not mounted', retryable: true };
  steady.failRoundStart = { code: 'data_error', message: 'disk full', retryable: true };
  const runId = await startRun(h, 'retry');
  const rounds = await waitFor(async () => {
    const r = await h.api<RoundView[]>('GET', `/api/runs/${runId}/rounds`);
    return r.body.length >= 2 ? r.body : undefined;
  }, 20_000);
  expect(rounds.slice(0, 2).map((r) => [r.number, r.attempt])).toEqual([
    [1, 0],
    [1, 1],
  ]);
  expect(rounds[0]!.stage).toBe('cancelled');
  expect(rounds[0]!.failure).toContain('Flaky Hospital (data_error): the imaging share is not mounted');
  // After the third attempt the run fails with the last round's reasons.
  const run = await waitFor(async () => {
    const r = await h.api<RunView>('GET', `/api/runs/${runId}`);
    return r.body.state === 'failed' ? r.body : undefined;
  }, 20_000);
  expect(run.failure).toMatch(/^round 1 failed 3 times; last: .*Steady Hospital \(data_error\): disk full/);
});
