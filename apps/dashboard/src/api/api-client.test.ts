import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RestResult } from '@fedfuse/protocol';
import { ApiClient, ApiError, errorFromBody } from './api-client.ts';

function fakeFetch(
  status: number,
  body: string,
  seen: { url?: string; init?: RequestInit } = {},
): typeof fetch {
  return (url, init) => {
    seen.url = url as string;
    seen.init = init;
    return Promise.resolve(new Response(body, { status, statusText: status === 200 ? 'OK' : 'Bad' }));
  };
}

const CREATED = {
  id: '00000000-0000-4000-8000-000000000001',
  token: 'secret',
  label: 'North',
  expiresAt: 5,
  autoApprove: true,
};

describe(ApiClient.name, () => {
  it('calls a route of the protocol’s table with the bearer token and parses the answer', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const client = new ApiClient({
      baseUrl: 'http://c',
      token: 't0k',
      fetchImpl: fakeFetch(200, JSON.stringify(CREATED), seen),
    });
    const body = { label: 'North', autoApprove: true };
    await expect(client.call('createToken', { body })).resolves.toEqual(CREATED);
    expect(seen.url).toBe('http://c/api/tokens');
    expect(seen.init?.method).toBe('POST');
    expect(seen.init?.headers).toEqual({ authorization: 'Bearer t0k', 'content-type': 'application/json' });
    expect(seen.init?.body).toBe(JSON.stringify(body));
  });

  it('builds paths from the route table, parameters URL-encoded', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const client = new ApiClient({ baseUrl: '', token: 't', fetchImpl: fakeFetch(200, '[]', seen) });
    await client.call('siteRejections', { params: { id: 'a/b' } });
    expect(seen.url).toBe('/api/sites/a%2Fb/rejections');
  });

  it('turns the coordinator’s { code, message } into an ApiError', async () => {
    const body = JSON.stringify({ code: 'invalid_payload', message: 'rounds: Too small' });
    const client = new ApiClient({ baseUrl: '', token: 't', fetchImpl: fakeFetch(400, body) });
    const error = await client.call('listRuns', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).describe()).toBe('400 invalid_payload: rounds: Too small');
  });

  it('says when an answer does not have the expected shape', async () => {
    const client = new ApiClient({ baseUrl: '', token: 't', fetchImpl: fakeFetch(200, '{"status":"ok"}') });
    await expect(client.call('health', {})).rejects.toThrow(/database: .*expected one of/i);
  });

  it('reports an unreachable coordinator', async () => {
    const client = new ApiClient({
      baseUrl: '',
      token: 't',
      fetchImpl: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(client.call('health', {})).rejects.toMatchObject({ status: 0, code: 'unreachable' });
  });
});

describe('the dashboard’s view of the contract', () => {
  it('reads each route as the protocol’s schema types it: a changed answer breaks the pages’ build', () => {
    const client = new ApiClient({ baseUrl: '', token: 't', fetchImpl: fakeFetch(200, '{}') });
    const getRun = () => client.call('getRun', { params: { id: 'x' } });
    const listSites = () => client.call('listSites', {});
    const _rounds = () => client.call('runRounds', { params: { id: 'x' } });
    expectTypeOf(getRun).returns.resolves.toEqualTypeOf<RestResult<'getRun'>>();
    expectTypeOf(listSites).returns.resolves.toEqualTypeOf<RestResult<'listSites'>>();
    type Stage = Awaited<ReturnType<typeof _rounds>>[number]['stage'];
    expectTypeOf<Stage>().toEqualTypeOf<'fit' | 'aggregating' | 'evaluate' | 'committed' | 'cancelled'>();
  });
});

describe('errorFromBody', () => {
  it('reads Nest’s own error shapes and plain text', () => {
    expect(
      errorFromBody(401, { statusCode: 401, message: 'missing token', error: 'Unauthorized' }),
    ).toMatchObject({
      code: 'unauthenticated',
      message: 'missing token',
    });
    expect(errorFromBody(404, { message: ['a', 'b'], error: 'Not Found' })).toMatchObject({
      code: 'not_found',
      message: 'a; b',
    });
    expect(errorFromBody(502, '<html>Bad gateway</html>')).toMatchObject({ code: 'http_502' });
  });
});
