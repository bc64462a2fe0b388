import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointFiles } from '@fedfuse/protocol';
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
    threads: 1,
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

  it("scores with this site's refitted intercepts by default, as the federation does; --recalibrate-on none does not", async () => {
    const run = async (...extra: string[]) => {
      const io = captureIo(dir);
      expect(await runCli(['evaluate', '--model', model.modelHash, '--dir', dir, ...extra], io)).toBe(0);
      return io
        .out()
        .split('\n')
        .filter((line) => /^(cancer|cardiac)\s/.test(line));
    };
    const [recalibrated, plain, onValidation] = [
      await run(),
      await run('--recalibrate-on', 'none'),
      await run('--recalibrate-on', 'validation'),
    ];
    // The same ranking within the site (auc, the third column), other scores at another threshold.
    const column = (lines: string[], k: number) => lines.map((line) => line.split(/\s+/)[k]);
    expect(column(recalibrated, 2)).toEqual(column(plain, 2));
    expect(recalibrated).not.toEqual(plain);
    expect(onValidation).toHaveLength(2);
    const io = captureIo(dir);
    expect(
      await runCli(['evaluate', '--model', model.modelHash, '--dir', dir, '--recalibrate-on', 'test'], io),
    ).toBe(2);
    expect(io.err()).toMatch(/--recalibrate-on.*test/);
  });

  it('exits 2 for a model that is neither stored nor a file', async () => {
    const io = captureIo(dir);
    expect(await runCli(['evaluate', '--model', 'deadbeef00', '--dir', dir], io)).toBe(2);
    expect(io.err()).toBe(
      'fedfuse-client evaluate: --model deadbeef00 is neither a stored model hash nor an existing file\n',
    );
  });

  describe('a checkpoint downloaded from the coordinator (model.json beside its weights)', () => {
    async function writeCheckpoint(weightsFile = 'my-run-round-3-weights.bin'): Promise<string> {
      const { modelJson, weightsBin } = await checkpointFiles({
        weights: { manifest: model.manifest, values: model.values },
        modelSpec: tinySpec,
        runId: 'run-1',
        round: 3,
        weightsFile,
      });
      await writeFile(join(dir, 'my-run-round-3-model.json'), JSON.stringify(modelJson));
      await writeFile(join(dir, weightsFile), weightsBin);
      return join(dir, 'my-run-round-3-model.json');
    }

    async function rewriteWeightsPath(modelJson: string, weightsFile: string): Promise<void> {
      const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      json.weightsManifest[0]!.paths = [weightsFile];
      await writeFile(modelJson, JSON.stringify(json));
    }

    async function evaluate(modelPath: string) {
      const io = captureIo(dir);
      const code = await runCli(['evaluate', '--model', modelPath, '--dir', dir], io);
      return { code, out: io.out(), err: io.err() };
    }

    it('evaluates it with the same metrics as the same weights from the store', async () => {
      const fromFile = await evaluate(await writeCheckpoint());
      const fromStore = await evaluate(model.modelHash.slice(0, 10));
      expect(fromFile.code, fromFile.err).toBe(0);
      expect(fromFile.out).toMatch(
        /^Model round 3 of run run-1 on the test split of site tiny \(6 patients\)/,
      );
      const table = (out: string) => out.slice(out.indexOf('task'));
      expect(table(fromFile.out)).toBe(table(fromStore.out));
    });

    it('refuses a missing, truncated or altered weights file, naming the file and the problem', async () => {
      const modelJson = await writeCheckpoint();
      const weights = join(dir, 'my-run-round-3-weights.bin');
      const bytes = await readFile(weights);

      await writeFile(weights, bytes.subarray(0, bytes.length - 4));
      const truncated = await evaluate(modelJson);
      expect(truncated.code).toBe(1);
      expect(truncated.err).toContain(
        `${weights}: my-run-round-3-weights.bin holds ${bytes.length - 4} bytes; model.json describes ${bytes.length / 4} float32 values`,
      );

      const altered = Buffer.from(bytes);
      altered[7]! ^= 0x40;
      await writeFile(weights, altered);
      const corrupt = await evaluate(modelJson);
      expect(corrupt.code).toBe(1);
      expect(corrupt.err).toContain('does not match the SHA-256 in model.json');

      await writeFile(weights, bytes);
      await rewriteWeightsPath(modelJson, 'gone.bin');
      const elsewhere = await evaluate(modelJson);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.err).toMatch(/names its weights .*gone\.bin, which cannot be read \(ENOENT\)/);
    });

    it('refuses a model.json that is not a checkpoint, or points outside its directory', async () => {
      const path = await writeCheckpoint();
      await rewriteWeightsPath(path, '../client.yaml');
      const escaping = await evaluate(path);
      expect(escaping.code).toBe(2);
      expect(escaping.err).toContain('weightsManifest[0].paths[0]: expected a file name next to model.json');

      await writeFile(path, '{"weightsManifest": []');
      expect((await evaluate(path)).err).toContain(`--model ${path}: not valid JSON`);
      await writeFile(path, '{"format": "tfjs-layers"}');
      expect((await evaluate(path)).err).toMatch(/not a fedfuse-tfjs-weights model\.json \(format: /);
    });
  });
});
