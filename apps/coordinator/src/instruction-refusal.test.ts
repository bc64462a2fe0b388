import { expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const fixture = perTestHarness();

it("audits a site's refusal of a round with its code and reason, and the round goes on with the others", async () => {
  const h = await fixture.start();
  const willing = await fixture.site(h, 'Willing');
  const refusing = await fixture.site(h, 'Refusing');
  willing.autoTrain = { delta: (g) => g.map(() => 0), numExamples: 10 };
  refusing.refuseRoundStart = {
    code: 'invalid_payload',
    message: 'modelSpec.ehrDim: this site has 31 EHR features',
  };
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'refusal',
    rounds: 1,
    minClients: 1,
    model: tinyModel,
    roundTimeoutSeconds: 3,
  });
  await h.api('POST', `/api/runs/${run.body.runId}/start`);
  const refusal = await waitFor(async () => {
    const audit = await h.api<AuditEntry[]>('GET', '/api/audit?action=round.instruction_refused');
    return audit.body[0];
  }, 20_000);
  expect(refusal).toMatchObject({
    actor: { kind: 'site', id: refusing.siteId },
    subject: run.body.runId,
    outcome: 'refused',
    details: {
      round: 1,
      event: 'round:start',
      code: 'invalid_payload',
      reason: 'modelSpec.ehrDim: this site has 31 EHR features',
    },
  });
  const done = await waitFor(async () => {
    const rounds = await h.api<{ stage: string }[]>('GET', `/api/runs/${run.body.runId}/rounds`);
    return rounds.body[0]?.stage === 'committed' ? rounds.body[0] : undefined;
  }, 30_000);
  expect(done.stage).toBe('committed');
  // A willing site's acknowledgement is not audited as a refusal.
  const audit = await h.api<AuditEntry[]>('GET', '/api/audit?action=round.instruction_refused');
  expect(audit.body.map((a) => a.actor.id)).toEqual([refusing.siteId]);
});
