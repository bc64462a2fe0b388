import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainOnClose } from './connection-drain.ts';
import { startHarness } from './testing/harness.ts';

afterEach(() => {
  vi.useRealTimers();
});

async function silentConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
  return { socket, closed };
}

describe('coordinator shutdown', () => {
  it('a silent connection (a browser preconnect) holds close() only until the grace period ends', async () => {
    // Only the grace timer is faked: the sockets and the server's close still run on real I/O.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = createHttpServer();
    const drain = drainOnClose(server, 2_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const silent = await silentConnection((server.address() as AddressInfo).port);
    let closed = false;
    const closing = drain(() => new Promise<void>((resolve) => server.close(() => resolve()))).then(
      () => (closed = true),
    );
    // Real I/O turns over while the fake grace timer stands still: close() keeps waiting on the socket.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    vi.advanceTimersByTime(2_000);
    await closing;
    expect(await silent.closed).toBe('closed');
  });

  it('closes the whole coordinator while a client holds a silent connection, and frees the port', async () => {
    const h = await startHarness();
    const port = Number(new URL(h.coordinator.url).port);
    const silent = await silentConnection(port);
    await h.close();
    expect(await silent.closed).toBe('closed');

    const reuse = createServer();
    await new Promise<void>((resolve, reject) => {
      reuse.once('error', reject);
      reuse.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => reuse.close(resolve));
  });
});
