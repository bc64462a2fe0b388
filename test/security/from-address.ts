import { request } from 'node:http';

export interface AddressedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A REST call that leaves from `localAddress` (any 127.x.y.z works on Linux loopback), so a test can play
 * clients at different source addresses against one coordinator without a proxy.
 */
export function requestFrom(
  url: string,
  call: { localAddress: string; method: string; path: string; token?: string },
): Promise<AddressedResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${call.path}`,
      {
        method: call.method,
        localAddress: call.localAddress,
        headers: call.token ? { authorization: `Bearer ${call.token}` } : {},
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: the raw text is the body
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${call.method} ${call.path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
