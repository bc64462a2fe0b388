import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel, waitFor } from './testing/harness.ts';
import { freshPostgres, postgresAvailable } from './testing/postgres.ts';
import { TestSite } from './testing/test-site.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.runIf(postgresAvailable)('the coordinator on PostgreSQL', () => {
  it('migrates a fresh schema, runs rounds, and keeps them across a restart', async () => {
    const database = await freshPostgres();
    cleanups.push(() => database.drop());
    let harness: Harness = await startHarness({ databaseUrl: database.url });
    cleanups.push(() => harness.close());
    const health = await harness.api<{ database: string }>('GET', '/healthz');
    expect(health.body.database).toBe('postgres');
    const sites: TestSite[] = [];
    cleanups.push(() => Promise.resolve(sites.forEach((s) => s.close())));
    for (const name of ['A', 'B']) {
      const token = await harness.api<{ token: string }>('POST', '/api/tokens', {
        label: name,
        autoApprove: true,
      });
      const site = new TestSite(harness.coordinator.url, name);
      sites.push(site);
      await site.enroll(token.body.token);
      site.close();
      site.autoTrain = { delta: (g) => g.map(() => 0.25), numExamples: 10 };
      site.keepAlive({ retryMs: 100 });
    }
    const run = await harness.api<{ runId: string }>('POST', '/api/runs', {
      name: 'pg',
      rounds: 2,
      minClients: 2,
      model: tinyModel,
    });
    await harness.api('POST', `/api/runs/${run.body.runId}/start`);
    await waitFor(async () =>
      (await harness.api<{ state: string }>('GET', `/api/runs/${run.body.runId}`)).body.state === 'completed'
        ? true
        : undefined,
    );
    const before = (
      await harness.api<{ round: number; sha256: string }[]>('GET', `/api/runs/${run.body.runId}/checkpoints`)
    ).body;
    expect(before.map((c) => c.round)).toEqual([1, 2]);

    await harness.close();
    harness = await startHarness({ databaseUrl: database.url, dataDir: harness.dataDir });
    const after = (
      await harness.api<{ round: number; sha256: string }[]>('GET', `/api/runs/${run.body.runId}/checkpoints`)
    ).body;
    expect(after).toEqual(before);
    const audit = (await harness.api<{ action: string }[]>('GET', '/api/audit?action=round.committed')).body;
    expect(audit).toHaveLength(2);
    // Each round's training loss (every site reported 0.5 last) survived in the new column.
    const rounds = (
      await harness.api<{ trainingLoss: number }[]>('GET', `/api/runs/${run.body.runId}/rounds`)
    ).body;
    expect(rounds.map((r) => r.trainingLoss)).toEqual([0.5, 0.5]);
  });
});
