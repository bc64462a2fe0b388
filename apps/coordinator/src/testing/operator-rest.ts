import { createServer } from 'node:net';

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
 * The operator REST API of a coordinator on loopback, as `api('POST /api/runs', body)`. A response
 * that is not 2xx throws with its status and body, so a test or bench never reads an error as data.
 */
export function operatorRest(port: number, token: string) {
  return async function api<T>(request: string, body?: unknown): Promise<T> {
    const [method, path] = request.split(' ') as [string, string];
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${request} → ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
}
