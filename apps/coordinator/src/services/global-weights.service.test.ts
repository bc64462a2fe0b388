import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WeightsManifest } from '@fedfuse/protocol';
import type { CoordinatorSettings } from '../env.ts';
import type { Database } from '../persistence/database.ts';
import { openDatabase } from '../persistence/database.ts';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { GlobalModelService } from './global-model.service.ts';
import { GlobalWeightsService, checkpointPath } from './global-weights.service.ts';

const RUN = '11111111-1111-4111-8111-111111111111';
const manifest: WeightsManifest = { dtype: 'float32', tensors: [{ name: 'w', shape: [4] }], numParams: 4 };
const run = { id: RUN, config: { model: {} } } as Run; // a checkpoint's round reads no more of it
let database: Database;
let files: FileStoreRepository;

beforeEach(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-global-weights-'));
  database = await openDatabase({ sqlitePath: join(dataDir, 'coordinator.sqlite') });
  files = new FileStoreRepository({ dataDir } as CoordinatorSettings);
  await database.db
    .insertInto('runs')
    .values({ id: RUN, name: 'r', config: '{}', state: 'running', created_at: 1, committed_round: 1 })
    .execute();
});
afterEach(async () => {
  await database.close();
});

/** Writes round 1's checkpoint as the aggregation does and records it; returns the model service that wrote it. */
async function committed(values: Float32Array): Promise<GlobalModelService> {
  const models = new GlobalModelService();
  const blob = await models.blob(values, manifest);
  const path = checkpointPath(RUN, 1);
  const sha256 = await files.write(path, blob.bytes, blob.modelHash);
  await database.db
    .insertInto('checkpoints')
    .values({ run_id: RUN, round_number: 1, path, sha256, created_at: 1 })
    .execute();
  return models;
}

const service = (models: GlobalModelService) =>
  new GlobalWeightsService(new RoundsRepository(database), files, models);

describe('GlobalWeightsService.atRound', () => {
  it('serves a checkpoint this process wrote from memory, and reads and checks it in a new process', async () => {
    const values = Float32Array.from([1, 2, 3, 4]);
    const writer = await committed(values);
    rmSync(files.resolve(checkpointPath(RUN, 1))); // not read again: the blob it wrote is the same model
    const cached = await service(writer).atRound(run, 1);
    expect(cached.values).toEqual(values);
    await expect(service(new GlobalModelService()).atRound(run, 1)).rejects.toThrow(/ENOENT/);
  });

  it('still refuses a checkpoint file whose bytes changed, when it has to read it', async () => {
    const values = Float32Array.from([1, 2, 3, 4]);
    const writer = await committed(values);
    const fresh = await service(new GlobalModelService()).atRound(run, 1);
    expect(fresh.values).toEqual(values);
    expect(fresh.modelHash).toBe((await service(writer).atRound(run, 1)).modelHash);
    const path = files.resolve(checkpointPath(RUN, 1));
    const flipped = (await files.read(checkpointPath(RUN, 1))).slice();
    flipped[flipped.length - 1]! ^= 1;
    writeFileSync(path, flipped);
    await expect(service(new GlobalModelService()).atRound(run, 1)).rejects.toThrow(/is corrupt/);
  });
});
