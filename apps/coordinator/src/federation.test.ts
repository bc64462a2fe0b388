import { describe, expect, it } from 'vitest';
import { decodeWeights } from '@fedfuse/protocol';
import { FileStoreRepository } from './repositories/file-store.repository.ts';
import type { Harness } from './testing/harness.ts';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const coordinator = perTestHarness();
const enrolledSite = coordinator.site;

describe('coordinator federation over real sockets', () => {
  it('runs FedAvg rounds: each group averaged over the sites that trained it, checkpoints and pooled AUC recorded', async () => {
    const harness = await coordinator.start();
    const a = await enrolledSite(harness, 'Hospital A');
    const b = await enrolledSite(harness, 'Hospital B');
    // A trained everything on 30 examples; B has no images (imaging: 0) and 10 examples.
    a.autoTrain = { delta: (g) => g.map(() => 1), numExamples: 30 };
    b.autoTrain = { delta: (g) => g.map(() => 3), numExamples: 10, groupExamples: { imaging: 0 } };
    const run = await harness.api<{ runId: string }>('POST', '/api/runs', {
      name: 'test',
      rounds: 2,
      minClients: 2,
      model: tinyModel,
    });
    expect(run.status).toBe(201);
    expect((await harness.api('POST', `/api/runs/${run.body.runId}/start`)).status).toBe(200);
    const done = await waitFor(async () => {
      const r = await harness.api<{ state: string }>('GET', `/api/runs/${run.body.runId}`);
      return r.body.state === 'completed' ? r.body : undefined;
    });
    expect(done.state).toBe('completed');

    const rounds = await harness.api<
      { number: number; stage: string; metrics: { tasks: Record<string, { auc: number }> } }[]
    >('GET', `/api/runs/${run.body.runId}/rounds`);
    expect(rounds.body.map((r) => [r.number, r.stage])).toEqual([
      [1, 'committed'],
      [2, 'committed'],
    ]);
    expect(rounds.body[0]!.metrics.tasks.cancer!.auc).toBeCloseTo(0.875, 10);

    // Round 1 started from the initial weights g: imaging moved by A's delta only (+1), the rest by
    // the example-weighted mean (30·1 + 10·3) / 40 = 1.5.
    const committed = decodeWeights(await readCheckpoint(harness, run.body.runId, 1));
    if (!committed.ok) throw new Error(committed.error.message);
    const after = committed.data.values;
    const round1 = a.received[0]!;
    const start = await a.fetchWeights(round1);
    const layout = round1.model.manifest.tensors;
    let offset = 0;
    for (const tensor of layout) {
      const size = tensor.shape.reduce((x, y) => x * y, 1);
      const expected = tensor.name.startsWith('imaging.') ? 1 : 1.5;
      for (let i = offset; i < offset + size; i++) expect(after[i]! - start[i]!).toBeCloseTo(expected, 5);
      offset += size;
    }
    const audit = await harness.api<{ action: string }[]>('GET', '/api/audit?limit=500');
    const actions = audit.body.map((e) => e.action);
    expect(actions.filter((x) => x === 'round.committed')).toHaveLength(2);
    expect(actions.filter((x) => x === 'round.update_accepted')).toHaveLength(4);
    expect(actions).toContain('run.completed');
  });
});

async function readCheckpoint(h: Harness, runId: string, round: number): Promise<Uint8Array> {
  const checkpoints = await h.api<{ round: number; sha256: string }[]>(
    'GET',
    `/api/runs/${runId}/checkpoints`,
  );
  const entry = checkpoints.body.find((c) => c.round === round)!;
  return h.coordinator.app
    .get(FileStoreRepository)
    .readVerified(`runs/${runId}/checkpoints/round-${round}.ffwt`, entry.sha256);
}
