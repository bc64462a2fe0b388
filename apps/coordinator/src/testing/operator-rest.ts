import { createServer } from 'node:net';
import type { JsonRouteName, RestCallArgs, RestResult } from '@fedfuse/protocol';
import { parseRestReply, restRequest } from '@fedfuse/protocol';

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The operator REST API of a coordinator on loopback, as `api('POST /api/runs', body)` or, typed by the
 * protocol's route table and parsed with its schema, `api.call('createRun', { body })`. A response that
 * is not 2xx throws with its status and body, so a test or bench never reads an error as data.
 */
export function operatorRest(port: number, token: string) {
  async function send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return JSON.parse(text) as unknown;
  }
  async function api<T>(request: string, body?: unknown): Promise<T> {
    const [method, path] = request.split(' ') as [string, string];
    return (await send(method, path, body)) as T;
  }
  async function call<K extends JsonRouteName>(name: K, args: RestCallArgs<K>): Promise<RestResult<K>> {
    const request = restRequest(name, args);
    const parsed = parseRestReply(name, await send(request.method, request.path, request.body));
    if (!parsed.ok) throw new Error(`${request.method} ${request.path}: ${parsed.error.message}`);
    return parsed.data;
  }
  return Object.assign(api, { call });
}
