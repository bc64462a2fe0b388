import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorProcess } from './coordinator-process.ts';
import { startCoordinatorProcess } from './coordinator-process.ts';

describe('the security suites’ coordinator process', () => {
  let coordinator: CoordinatorProcess;
  beforeAll(async () => {
    coordinator = await startCoordinatorProcess();
  });
  afterAll(async () => {
    await coordinator.stop();
  });

  it('answers the operator token from its environment and refuses a wrong one', async () => {
    const sites = await coordinator.call('listSites', {});
    expect(sites.status).toBe(200);
    expect(sites.body).toEqual([]);
    expect((await coordinator.api('GET', '/api/sites', { token: 'wrong-token-0123456789' })).status).toBe(
      401,
    );
  });

  it('stops on SIGTERM and frees its port', async () => {
    await coordinator.stop();
    expect(coordinator.child.exitCode ?? coordinator.child.signalCode).not.toBeNull();
    await expect(fetch(`${coordinator.url}/healthz`)).rejects.toThrow();
  });
});
