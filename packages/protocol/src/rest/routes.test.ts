import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseRestReply, restRequest } from './rest-call.ts';
import type { RestBody, RestParams, RestReply, RestResult } from './routes.ts';
import { restPath, restRoutes } from './routes.ts';
import { CheckpointParams, RunActionParams } from './params.ts';
import { RunConfig } from './run-config.ts';
import { RUN_DEFAULTS } from '../run-defaults.ts';

const RUN = '00000000-0000-4000-8000-000000000001';

describe('the operator REST route table', () => {
  it('builds paths from patterns, encoding each parameter', () => {
    expect(restPath('getRun', { id: RUN })).toBe(`/api/runs/${RUN}`);
    expect(restPath('checkpointWeights', { id: 'a b', round: 3 })).toBe(
      '/api/runs/a%20b/checkpoints/3/weights.bin',
    );
    expect(restPath('listSites')).toBe('/api/sites');
    expect(restRequest('auditPage', { query: { limit: 5, cursor: null, action: 'site.' } })).toEqual({
      method: 'GET',
      path: '/api/audit/page?limit=5&action=site.',
    });
    expect(restRequest('createToken', { body: { label: 'North' } })).toEqual({
      method: 'POST',
      path: '/api/tokens',
      body: { label: 'North' },
    });
  });

  it('gives every path parameter a schema, and refuses a malformed one naming it', () => {
    for (const route of Object.values(restRoutes)) {
      const names = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
      const params = 'params' in route ? Object.keys(route.params.shape) : [];
      expect(params).toEqual(names);
    }
    expect(CheckpointParams.parse({ id: RUN, round: '12' })).toEqual({ id: RUN, round: 12 });
    expect(CheckpointParams.parse({ id: RUN, round: 'selected' }).round).toBe('selected');
    for (const round of ['0', '-1', '2.5', 'NaN', '01', ''])
      expect(CheckpointParams.safeParse({ id: RUN, round }).error?.issues[0]?.path).toEqual(['round']);
    expect(RunActionParams.safeParse({ id: RUN, action: 'explode' }).error?.issues[0]?.path).toEqual([
      'action',
    ]);
  });

  it('parses an answer with the route’s schema and names the field that does not fit', () => {
    expect(parseRestReply('health', { status: 'ok', database: 'sqlite' })).toEqual({
      ok: true,
      data: { status: 'ok', database: 'sqlite' },
    });
    const wrong = parseRestReply('health', { status: 'ok', database: 'oracle' });
    expect(wrong.ok || wrong.error.message).toMatch(/^database: /);
  });

  it('holds the run defaults once: RunConfig fills in RUN_DEFAULTS', () => {
    const filled = RunConfig.parse({ name: 'defaults' });
    expect(filled).toMatchObject({
      rounds: RUN_DEFAULTS.rounds,
      minClients: RUN_DEFAULTS.minClients,
      strategy: { name: RUN_DEFAULTS.strategy },
      local: { epochs: RUN_DEFAULTS.epochs, batchSize: RUN_DEFAULTS.batchSize },
    });
  });

  it('types each side from the same schema: what a controller sends is what a client reads', () => {
    expectTypeOf<RestReply<'health'>>().toEqualTypeOf<RestResult<'health'>>();
    expectTypeOf<RestResult<'getRun'>>().toHaveProperty('selectedRound');
    expectTypeOf<RestParams<'checkpointModel'>['round']>().toEqualTypeOf<number | 'selected' | 'last'>();
    // A request may leave out what RunConfig defaults; the parsed body has it.
    expectTypeOf<RestBody<'createRun'>['rounds']>().toEqualTypeOf<number | undefined>();
    // @ts-expect-error getRun needs its :id (and says so at run time too)
    expect(() => restPath('getRun')).toThrow(/missing parameter id/);
  });
});
