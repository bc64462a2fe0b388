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

/** A clock that moves only when the test says so; its one interval fires when the test says so. */
function manualClock(start: number) {
  let now = start;
  const intervals: { ms: number; tick: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    every: (ms, tick) => {
      intervals.push({ ms, tick });
      return setInterval(() => undefined, 2 ** 31 - 1).unref();
    },
  };
  return { clock, intervals, advance: (ms: number) => void (now += ms) };
}

function presence() {
  /** One entry per transaction: the sites and times it wrote. */
  const commits: [string, number][][] = [];
  const published: string[] = [];
  const sites = { touchAll: async (entries: [string, number][]) => void commits.push([...entries]) };
  const summaries = { publish: async (siteId: string) => void published.push(siteId) };
  const { clock, intervals, advance } = manualClock(T0);
  const service = new SitePresenceService(
    sites as unknown as SitesRepository,
    summaries as unknown as SiteSummariesService,
    { lastSeenWriteMs: WRITE_MS } as CoordinatorSettings,
    clock,
  );
  service.onApplicationBootstrap();
  const fire = async () => {
    intervals[0]!.tick();
    await service.flush(); // the tick's flush started first: this one waits for nothing new
  };
  return { service, commits, published, advance, intervals, fire };
}

describe(SitePresenceService.name, () => {
  it('writes a handshake at once, stamped with the injected clock, not the wall clock', async () => {
    const { service, commits, published } = presence();
    await service.seen('a', { force: true });
    expect(commits).toEqual([[['a', T0]]]);
    expect(published).toEqual(['a']);
  });

  it("keeps activity in memory and writes every site's latest in one commit on the clock's interval", async () => {
    const { service, commits, published, advance, intervals, fire } = presence();
    expect(intervals.map((i) => i.ms)).toEqual([WRITE_MS]);
    await service.seen('a');
    advance(1_000);
    await service.seen('b');
    advance(1_000);
    await service.seen('a');
    expect(commits).toEqual([]);
    await fire();
    expect(commits).toEqual([
      [
        ['a', T0 + 2_000],
        ['b', T0 + 1_000],
      ],
    ]);
    expect(published.sort()).toEqual(['a', 'b']);
    await fire();
    expect(commits).toHaveLength(1);
  });

  it('writes the pending time, by the injected clock, when the site goes away, without publishing', async () => {
    const { service, commits, published, advance } = presence();
    await service.seen('a', { force: true });
    advance(5_000);
    await service.seen('a');
    await service.gone('a');
    expect(commits).toEqual([[['a', T0]], [['a', T0 + 5_000]]]);
    expect(published).toEqual(['a']);
  });

  it('writes what is pending when the coordinator shuts down', async () => {
    const { service, commits, advance } = presence();
    advance(7);
    await service.seen('a');
    await service.onModuleDestroy();
    expect(commits).toEqual([[['a', T0 + 7]]]);
  });
});
