import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './coordinator.ts';
import { startCoordinator } from './coordinator.ts';
import { loadSettings } from './env.ts';

const HEALTH = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
const running: RunningCoordinator[] = [];
afterEach(async () => {
  for (const coordinator of running.splice(0)) await coordinator.close();
});

async function coordinatorWith(env: Record<string, string>): Promise<RunningCoordinator> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-keep-alive-'));
  const settings = loadSettings({ dataDir, port: '0', operatorToken: 'test-operator-token-0123456789' }, env);
  const coordinator = await startCoordinator(settings, { logger: false });
  running.push(coordinator);
  return coordinator;
}

/** A loopback connection to the coordinator, and the coordinator's own end of it. */
async function connection(coordinator: RunningCoordinator): Promise<{ client: Socket; server: Socket }> {
  const http = coordinator.app.getHttpServer() as Server;
  const accepted = new Promise<Socket>((resolve) => http.once('connection', resolve));
  const client = connect(coordinator.port, '127.0.0.1');
  return { client, server: await accepted };
}

/** Everything `client` receives until `done(received)` holds. */
function receive(client: Socket, done: (received: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      if (done(received)) finish();
    };
    const finish = (): void => {
      client.off('data', onData);
      resolve(received);
    };
    client.on('data', onData);
    client.once('close', finish);
  });
}

/** One complete HTTP response with a Content-Length body. */
function wholeResponse(received: string): boolean {
  const [head, body] = received.split('\r\n\r\n', 2);
  const length = /content-length: (\d+)/i.exec(head ?? '')?.[1];
  return body !== undefined && length !== undefined && body.length >= Number(length);
}

describe('keep-alive connections to the coordinator', () => {
  it('a request sent on an idle connection as the coordinator times it out gets no answer (the e2e flake)', async () => {
    const coordinator = await coordinatorWith({ FEDFUSE_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    const { client, server } = await connection(coordinator);
    client.on('error', () => {}); // a reset is one way this ends; what matters is that no answer came
    const first = receive(client, wholeResponse);
    client.write(HEALTH);
    expect(await first).toMatch(/^HTTP\/1\.1 200[\s\S]*\r\nKeep-Alive: timeout=1\r\n/);

    // The crossing: the client reuses the pooled connection in the same instant the coordinator's idle
    // timer fires (for undici, whose own idle timer could not run while its event loop was busy).
    const second = receive(client, () => false);
    server.once('timeout', () => client.write(HEALTH));
    // No status line, only the close: undici reports this as "SocketError: other side closed".
    expect(await second).toBe('');
    expect(client.destroyed).toBe(true);
  }, 20_000);

  it('by default keeps idle connections 65 s and announces it, so clients (undici, load balancers) drop them first', async () => {
    const coordinator = await coordinatorWith({});
    const response = await fetch(`${coordinator.url}/healthz`);
    expect(response.headers.get('keep-alive')).toBe('timeout=65');
    const http = coordinator.app.getHttpServer() as Server;
    expect(http.keepAliveTimeout).toBe(65_000);
    // A header timeout below the keep-alive one would cut a slow request on a reused connection instead.
    expect(http.headersTimeout).toBeGreaterThan(http.keepAliveTimeout);
  });

  it('refuses a keep-alive timeout below a second, naming the setting', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-keep-alive-'));
    expect(() => loadSettings({ dataDir }, { FEDFUSE_KEEP_ALIVE_TIMEOUT_MS: '500' })).toThrow(
      /keepAliveTimeoutMs/,
    );
    expect(() => loadSettings({ dataDir }, { FEDFUSE_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(
      /keepAliveTimeoutMs/,
    );
  });
});
