import { describe, expect, it, vi } from 'vitest';
import { perTestHarness } from './testing/per-test-harness.ts';
import { OpsListener } from './testing/ops-listener.ts';
import { DATABASE } from './tokens.ts';

const coordinator = perTestHarness();

describe('an operator connecting to /ops', () => {
  it('is dropped, not the coordinator, when its federation snapshot cannot be read', async () => {
    const harness = await coordinator.start();
    // As at shutdown: the database is gone while a dashboard connects.
    await harness.coordinator.app.get<{ close(): Promise<void> }>(DATABASE).close();
    const ops = await OpsListener.connect(harness.coordinator.url, harness.coordinator.operatorToken);
    await vi.waitFor(() => expect(ops.socket.connected).toBe(false), { timeout: 10_000, interval: 50 });
    expect(ops.received.map((r) => r.event)).not.toContain('federation:synced');
  });
});
