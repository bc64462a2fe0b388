import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from '../cli.ts';
import { writeClientConfig } from '../store/client-config.ts';
import { ModelStore } from '../store/model-store.ts';
import { sitePaths } from '../store/site-paths.ts';
import { captureIo } from '../testing/capture-io.ts';
import { globalModel, type GlobalModel } from '../testing/global-model.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec, writeTinySite } from '../testing/tiny-site.ts';

let model: GlobalModel;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  model = await globalModel(tinySpec);
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  const paths = sitePaths(dir);
  const data = await writeTinySite(join(dir, 'data'));
  await writeClientConfig(paths.clientConfig, {
    siteName: 'tiny',
    data,
    backend: 'wasm',
    coordinatorUrl: '',
  });
  await new ModelStore(paths.models).write(model.blob, {
    modelHash: model.modelHash,
    manifestHash: model.manifestHash,
    modelSpec: tinySpec,
    roundId: 'r1',
    storedAt: Date.now(),
  });
});
afterEach(() => cleanup());

describe('fedfuse-client evaluate', () => {
  it('evaluates a stored model by hash prefix and prints per-task metrics', async () => {
    const io = captureIo(dir);
    expect(await runCli(['evaluate', '--model', model.modelHash.slice(0, 10), '--dir', dir], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/on the test split of site tiny \(6 patients\)/);
    expect(out).toMatch(
      /^task\s+n\s+auc\s+f1\s+precision\s+recall\s+accuracy\s+attention ehr\/imaging\/genomics$/m,
    );
    expect(out).toMatch(/^cancer\s+6\s+[0-9.]+\s+[0-9.]+/m);
    expect(out).toMatch(/^cardiac\s+6\s/m);
  });

  it('exits 2 for a model that is neither stored nor a file', async () => {
    const io = captureIo(dir);
    expect(await runCli(['evaluate', '--model', 'deadbeef00', '--dir', dir], io)).toBe(2);
    expect(io.err()).toBe(
      'fedfuse-client evaluate: --model deadbeef00 is neither a stored model hash nor an existing file\n',
    );
  });
});
