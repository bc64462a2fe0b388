import { describe, expect, it } from 'vitest';
import { STRATEGIES, decodeWeights } from '@fedfuse/protocol';
import { strategyFor } from '@fedfuse/strategy';
import type { FitResult } from '@fedfuse/strategy';
import { FileStoreRepository } from './repositories/file-store.repository.ts';
import { RoundsRepository } from './repositories/rounds.repository.ts';
import { RunsRepository } from './repositories/runs.repository.ts';
import { SitesRepository } from './repositories/sites.repository.ts';
import { GlobalModelService } from './services/global-model.service.ts';
import { stableSiteKeys } from './services/site-keys.ts';
import type { Harness } from './testing/harness.ts';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const fixture = perTestHarness();

// Three sites with different deltas and counts; C has no images, so modality-aware averaging shows.
const SITES = [
  { name: 'Hospital A', step: 1, numExamples: 30 },
  { name: 'Hospital B', step: 2, numExamples: 10 },
  { name: 'Hospital C', step: 4, numExamples: 20, groupExamples: { imaging: 0 } },
];

describe('every strategy drives a round through the coordinator', () => {
  it.each(STRATEGIES)(
    '%s: the committed model is the strategy package’s aggregate of the updates',
    async (name) => {
      const h = await fixture.start();
      for (const site of SITES) {
        const test = await fixture.site(h, site.name);
        test.autoTrain = {
          delta: (g) => g.map((_, i) => site.step * (1 + (i % 3))),
          numExamples: site.numExamples,
          ...(site.groupExamples ? { groupExamples: site.groupExamples } : {}),
        };
      }
      const strategy = { name, serverLearningRate: 0.5, trimBeta: 0.34 };
      const created = await h.api<{ runId: string }>('POST', '/api/runs', {
        name,
        rounds: 1,
        minClients: 3,
        model: tinyModel,
        strategy,
        updateNormBound: 'off',
      });
      expect(created.status).toBe(201);
      const runId = created.body.runId;
      expect((await h.api('POST', `/api/runs/${runId}/start`)).status).toBe(200);
      await waitFor(async () => {
        const run = await h.api<{ state: string }>('GET', `/api/runs/${runId}`);
        return run.body.state === 'completed' || undefined;
      });

      const expected = await expectedAggregate(h, runId);
      const committed = await checkpointWeights(h, runId);
      expect(committed.length).toBe(expected.length);
      expect(Array.from(committed)).toEqual(Array.from(expected));
      // The round moved the model: an identity aggregate would pass the comparison above for nothing.
      expect(committed.some((v, i) => v !== expected.start[i])).toBe(true);
    },
  );
});

/** The run's strategy, built by the strategy package from the stored config, over the stored updates. */
async function expectedAggregate(h: Harness, runId: string): Promise<Float32Array & { start: Float32Array }> {
  const app = h.coordinator.app;
  const config = (await app.get(RunsRepository).find(runId))!.config;
  const models = app.get(GlobalModelService);
  const { layout } = models.describe(config.model);
  const start = models.initialWeights(config.model);
  const keys = stableSiteKeys(await app.get(SitesRepository).list());
  const [round] = await app.get(RoundsRepository).listForRun(runId);
  const files = app.get(FileStoreRepository);
  const results: FitResult[] = [];
  for (const row of await app.get(RoundsRepository).updatesFor(round!.id, 'fit')) {
    const payload = JSON.parse(row.payload) as { sha256: string; groupExamples: Record<string, number> };
    const delta = decodeWeights(await files.readVerified(row.delta_path!, payload.sha256));
    if (!delta.ok) throw new Error(delta.error.message);
    const weights = new Float32Array(start.length);
    for (let i = 0; i < weights.length; i++) weights[i] = start[i]! + delta.data.values[i]!;
    results.push({
      clientId: keys.get(row.site_id)!,
      weights,
      numExamples: row.num_examples,
      groupExamples: payload.groupExamples,
    });
  }
  results.sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  expect(results).toHaveLength(SITES.length);
  const strategy = strategyFor({
    strategy: config.strategy,
    seed: config.seed,
    fraction: config.fraction,
    minClients: config.minClients,
    layout,
  });
  strategy.startFrom(1, start);
  const { weights } = strategy.aggregateFit(1, results, []);
  return Object.assign(weights!, { start });
}

async function checkpointWeights(h: Harness, runId: string): Promise<Float32Array> {
  const checkpoint = await h.coordinator.app.get(RoundsRepository).checkpoint(runId, 1);
  const bytes = await h.coordinator.app
    .get(FileStoreRepository)
    .readVerified(checkpoint!.path, checkpoint!.sha256);
  const decoded = decodeWeights(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.data.values;
}
