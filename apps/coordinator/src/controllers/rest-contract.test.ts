import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { RestReply } from '@fedfuse/protocol';
import { tinyModel } from '../testing/harness.ts';
import { operatorRest } from '../testing/operator-rest.ts';
import { perTestHarness } from '../testing/per-test-harness.ts';
import type { AuditController } from './audit.controller.ts';
import type { FederationController } from './federation.controller.ts';
import type { RunsController } from './runs.controller.ts';
import type { SitesController } from './sites.controller.ts';

const fixture = perTestHarness();
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('the operator REST contract', () => {
  it('answers every JSON route in the shape its protocol schema parses', async () => {
    const h = await fixture.start();
    const rest = operatorRest(Number(new URL(h.coordinator.url).port), h.coordinator.operatorToken);
    for (const name of ['North', 'South']) {
      const site = await fixture.site(h, name);
      site.autoTrain = { delta: (g) => g.map(() => 0.01), numExamples: 10 };
    }
    const created = await rest.call('createRun', {
      body: { name: 'contract', rounds: 1, minClients: 2, model: { ...tinyModel, imageShape: [8, 8, 1] } },
    });
    expect(created.config.local.epochs).toBeGreaterThan(0);
    const id = created.runId;
    await rest.call('actOnRun', { params: { id, action: 'start' } });
    await vi.waitFor(
      async () => expect((await rest.call('getRun', { params: { id } })).state).toBe('completed'),
      { timeout: 20_000, interval: 50 },
    );

    const [rounds, checkpoints, sites, tokens, model] = await Promise.all([
      rest.call('runRounds', { params: { id } }),
      rest.call('runCheckpoints', { params: { id } }),
      rest.call('listSites', {}),
      rest.call('listTokens', {}),
      rest.call('checkpointModel', { params: { id, round: 'last' } }),
    ]);
    expect(rounds.map((r) => r.stage)).toEqual(['committed']);
    expect(rounds[0]!.metrics?.tasks.cancer?.auc).toBeTypeOf('number');
    expect(checkpoints.map((c) => c.round)).toEqual([1]);
    expect(sites.map((s) => s.name).sort()).toEqual(['North', 'South']);
    expect(tokens.every((t) => t.state === 'used')).toBe(true);
    expect(model.userDefinedMetadata.runId).toBe(id);
    const [runs, audit, page, federation, spec, health] = await Promise.all([
      rest.call('listRuns', {}),
      rest.call('auditList', { query: { action: 'run.completed' } }),
      rest.call('auditPage', { query: { limit: 5 } }),
      rest.call('federation', {}),
      rest.call('modelSpec', {}),
      rest.call('health', {}),
    ]);
    expect(runs.map((r) => r.runId)).toEqual([id]);
    expect(audit).toHaveLength(1);
    expect(page.entries).toHaveLength(5);
    expect(federation.run?.runId).toBe(id);
    expect(spec.unreported).toHaveLength(2);
    expect(health.status).toBe('ok');
  });

  it('refuses malformed path parameters with 400 naming them, and unknown runs and sites with 404', async () => {
    const h = await fixture.start();
    const run = await h.api<{ runId: string }>('POST', '/api/runs', { name: 'params', model: tinyModel });
    const id = run.body.runId;
    const cases: [string, string, number, RegExp][] = [
      ['GET', '/api/runs/not-a-run', 400, /^id: /],
      ['GET', `/api/runs/${id}/checkpoints/0/model.json`, 400, /^round: /],
      ['GET', `/api/runs/${id}/checkpoints/2.5/weights.bin`, 400, /^round: /],
      ['GET', `/api/runs/${id}/checkpoints/NaN/model.json`, 400, /^round: /],
      ['POST', `/api/runs/${id}/explode`, 400, /^action: /],
      ['POST', `/api/sites/${UNKNOWN}/promote`, 400, /^action: /],
      ['GET', '/api/audit?limit=0', 400, /^limit: /],
      ['POST', '/api/tokens', 400, /^ttlSeconds: /],
      ['GET', `/api/runs/${UNKNOWN}`, 404, /no run/],
      ['GET', `/api/runs/${UNKNOWN}/rounds`, 404, /no run/],
      ['GET', `/api/runs/${UNKNOWN}/checkpoints`, 404, /no run/],
      ['GET', `/api/runs/${id}/checkpoints/3/model.json`, 404, /no checkpoint for round 3/],
      ['GET', `/api/sites/${UNKNOWN}/rejections`, 404, /no site/],
      ['POST', `/api/sites/${UNKNOWN}/approve`, 404, /no site/],
    ];
    for (const [method, path, status, message] of cases) {
      const body = path === '/api/tokens' ? { ttlSeconds: 5 } : undefined;
      const answer = await h.api<{ code: string; message: string }>(method, path, body);
      expect({ path, status: answer.status }).toEqual({ path, status });
      expect(answer.body.message).toMatch(message);
    }
  });

  it('makes each controller answer exactly its route’s reply type (a schema change breaks the build)', () => {
    type Reply<TMethod extends (...args: never[]) => unknown> = Awaited<ReturnType<TMethod>>;
    expectTypeOf<Reply<RunsController['get']>>().toEqualTypeOf<RestReply<'getRun'>>();
    expectTypeOf<Reply<RunsController['roundsOf']>>().toEqualTypeOf<RestReply<'runRounds'>>();
    expectTypeOf<Reply<SitesController['list']>>().toEqualTypeOf<RestReply<'listSites'>>();
    expectTypeOf<Reply<SitesController['tokens']>>().toEqualTypeOf<RestReply<'listTokens'>>();
    expectTypeOf<Reply<AuditController['page']>>().toEqualTypeOf<RestReply<'auditPage'>>();
    expectTypeOf<Reply<FederationController['modelSpec']>>().toEqualTypeOf<RestReply<'modelSpec'>>();
    // A field the schema does not have is a compile error where a controller would return it.
    expectTypeOf<RestReply<'getRun'>>().not.toHaveProperty('lastRoundNumber');
    expectTypeOf<RestReply<'getRun'>>().toHaveProperty('lastRound').toEqualTypeOf<number>();
  });
});
