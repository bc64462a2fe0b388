import { expect, it } from 'vitest';
import { RoundService } from './round.service.ts';
import { RunLocks } from './run-locks.service.ts';
import { systemClock } from './clock.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A RoundService whose only live dependency is the runs listing the ticker reads (the test holds it). */
function serviceWith(listInState: () => Promise<{ id: string }[]>, locks = new RunLocks()) {
  const runs = { listInState, find: () => Promise.resolve(undefined) };
  const none = {};
  const instructions = { onSiteFailure: () => undefined };
  const logger = { error: () => undefined };
  const secagg = { onSettled: () => undefined };
  const deps = [
    runs,
    none,
    locks,
    none,
    none,
    none,
    none,
    none,
    none,
    none,
    instructions,
    none,
    none,
    none,
    secagg,
  ];
  const service = new (RoundService as unknown as new (...args: unknown[]) => RoundService)(
    ...deps,
    systemClock,
  );
  Object.assign(service, { logger });
  return service;
}

it('drain waits for a tick still reading the database, so shutdown closes it only afterwards', async () => {
  const listing = deferred<{ id: string }[]>();
  const service = serviceWith(() => listing.promise);
  void service.tick();
  let drained = false;
  const drain = service.drain().then(() => (drained = true));
  await Promise.resolve();
  expect(drained).toBe(false);
  listing.resolve([{ id: 'run-1' }]);
  await drain;
  expect(drained).toBe(true);
});

it('a tick whose database read fails is logged, not left as an unhandled rejection', async () => {
  const errors: string[] = [];
  const service = serviceWith(() => Promise.reject(new Error('driver has already been destroyed')));
  Object.assign(service, { logger: { error: (message: string) => errors.push(message) } });
  await expect(service.tick()).resolves.toBeUndefined();
  expect(errors).toEqual(['tick: driver has already been destroyed']);
});

it('RunLocks.idle resolves only once the work queued on every run has settled', async () => {
  const locks = new RunLocks();
  const first = deferred<void>();
  const second = deferred<void>();
  void locks.run('a', () => first.promise);
  void locks.run('b', () => second.promise).catch(() => undefined);
  let idle = false;
  const waiting = locks.idle().then(() => (idle = true));
  first.resolve();
  await Promise.resolve();
  expect(idle).toBe(false);
  second.resolve();
  await waiting;
  expect(idle).toBe(true);
});
