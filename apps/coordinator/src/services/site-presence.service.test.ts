/* eslint-disable @typescript-eslint/require-await -- the fakes keep the repositories' async signatures */
import { describe, expect, it } from 'vitest';
import type { CoordinatorSettings } from '../env.ts';
import type { SitesRepository } from '../repositories/sites.repository.ts';
import type { Clock } from './clock.ts';
import { SitePresenceService } from './site-presence.service.ts';
import type { SiteSummariesService } from './site-summaries.service.ts';

/** Years away from the wall clock: a time read from Date.now() could never match it. */
const T0 = Date.UTC(2001, 0, 1);
const WRITE_MS = 30_000;

/** A clock that moves only when the test says so. */
function manualClock(start: number) {
  let now = start;
  const clock: Clock = {
    now: () => now,
    every: () => {
      throw new Error('presence sets no intervals');
    },
  };
  return { clock, advance: (ms: number) => void (now += ms) };
}

function presence() {
  const touched: { siteId: string; at: number }[] = [];
  const published: string[] = [];
  const sites = { touch: async (siteId: string, at: number) => void touched.push({ siteId, at }) };
  const summaries = { publish: async (siteId: string) => void published.push(siteId) };
  const { clock, advance } = manualClock(T0);
  const service = new SitePresenceService(
    sites as unknown as SitesRepository,
    summaries as unknown as SiteSummariesService,
    { lastSeenWriteMs: WRITE_MS } as CoordinatorSettings,
    clock,
  );
  return { service, touched, published, advance };
}

describe(SitePresenceService.name, () => {
  it('stamps "last seen" with the injected clock, not the wall clock', async () => {
    const { service, touched, published } = presence();
    await service.seen('a');
    expect(touched).toEqual([{ siteId: 'a', at: T0 }]);
    expect(published).toEqual(['a']);
  });

  it('throttles writes by the injected clock: held back until lastSeenWriteMs has passed on it', async () => {
    const { service, touched, advance } = presence();
    await service.seen('a');
    advance(WRITE_MS - 1);
    await service.seen('a');
    expect(touched).toHaveLength(1);
    advance(1);
    await service.seen('a');
    expect(touched.map((t) => t.at)).toEqual([T0, T0 + WRITE_MS]);
  });

  it('writes the held-back time, by the injected clock, when the site goes away', async () => {
    const { service, touched, published, advance } = presence();
    await service.seen('a');
    advance(5_000);
    await service.seen('a');
    await service.gone('a');
    expect(touched.map((t) => t.at)).toEqual([T0, T0 + 5_000]);
    expect(published).toEqual(['a']);
  });
});
