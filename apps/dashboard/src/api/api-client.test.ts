import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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

describe(ApiClient.name, () => {
  it('sends the bearer token and validates the answer', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const client = new ApiClient({
      baseUrl: 'http://c',
      token: 't0k',
      fetchImpl: fakeFetch(200, '{"n":1}', seen),
    });
    await expect(client.post('/api/x', z.object({ n: z.number() }), { a: 1 })).resolves.toEqual({ n: 1 });
    expect(seen.url).toBe('http://c/api/x');
    expect(seen.init?.headers).toEqual({ authorization: 'Bearer t0k', 'content-type': 'application/json' });
    expect(seen.init?.body).toBe('{"a":1}');
  });

  it('turns the coordinator’s { code, message } into an ApiError', async () => {
    const body = JSON.stringify({ code: 'invalid_payload', message: 'rounds: Too small' });
    const client = new ApiClient({ baseUrl: '', token: 't', fetchImpl: fakeFetch(400, body) });
    const error = await client.get('/api/runs', z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).describe()).toBe('400 invalid_payload: rounds: Too small');
  });

  it('says when an answer does not have the expected shape', async () => {
    const client = new ApiClient({ baseUrl: '', token: 't', fetchImpl: fakeFetch(200, '{"n":"one"}') });
    await expect(client.get('/api/x', z.object({ n: z.number() }))).rejects.toThrow(/n: .*expected number/);
  });

  it('reports an unreachable coordinator', async () => {
    const client = new ApiClient({
      baseUrl: '',
      token: 't',
      fetchImpl: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(client.get('/api/x', z.unknown())).rejects.toMatchObject({ status: 0, code: 'unreachable' });
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
