import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, TokenInfo } from '@fedfuse/protocol';
import type { Clock } from './services/clock.ts';
import type { Harness } from './testing/harness.ts';
import { startHarness } from './testing/harness.ts';

/** Years before the wall clock: a stamp read from Date.now() could never equal it. */
const T0 = Date.UTC(2001, 0, 1);

describe('a coordinator given its own Clock', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('stamps tokens, their expiry and audit entries with that clock, not the wall clock', async () => {
    let now = T0;
    // Time stands still unless the test moves it; the round ticker keeps real intervals.
    const clock: Clock = { now: () => now, every: (ms, tick) => setInterval(tick, ms) };
    h = await startHarness({ clock });

    const created = await h.api<{ id: string }>('POST', '/api/tokens', { label: 'ward', ttlSeconds: 60 });
    expect(created.status).toBe(201);
    now += 61_000;

    const tokens = (await h.api<TokenInfo[]>('GET', '/api/tokens')).body;
    expect(tokens).toEqual([
      expect.objectContaining({
        id: created.body.id,
        createdAt: T0,
        expiresAt: T0 + 60_000,
        state: 'expired',
      }),
    ]);
    const audit = (await h.api<AuditEntry[]>('GET', '/api/audit?action=token.created')).body;
    expect(audit.map((e) => e.at)).toEqual([T0]);
  });
});
