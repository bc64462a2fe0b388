import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from './connection-drain.ts';
import { startHarness } from './testing/harness.ts';

describe('coordinator shutdown', () => {
  it('ends within its grace period while a client holds a silent connection (a browser preconnect), and frees the port', async () => {
    const h = await startHarness();
    const port = Number(new URL(h.coordinator.url).port);
    const silent = connect(port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    const silentClosed = new Promise<'closed'>((resolve) => silent.once('close', () => resolve('closed')));

    const startedAt = Date.now();
    const outcome = await Promise.race([
      h.close().then(() => 'closed' as const),
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 15_000)),
    ]);
    // Before the drain, close() waited on this socket until Node's 60 s header timeout.
    expect(outcome).toBe('closed');
    expect(Date.now() - startedAt).toBeLessThan(SHUTDOWN_GRACE_MS + 5_000);
    expect(await silentClosed).toBe('closed');

    const reuse = createServer();
    await new Promise<void>((resolve, reject) => {
      reuse.once('error', reject);
      reuse.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => reuse.close(resolve));
  }, 30_000);
});
