import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tempDir } from '../testing/temp-dir.ts';
import { dataConfigPath, readClientConfig, writeClientConfig } from './client-config.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

describe('client.yaml', () => {
  it('round-trips, and resolves a relative data path against the site folder', async () => {
    const path = join(dir, 'client.yaml');
    await writeClientConfig(path, {
      siteName: 'Hospital A',
      data: 'data/site.yaml',
      backend: 'wasm',
      threads: 4,
      coordinatorUrl: '',
      privacy: { maxEpsilon: 8, minSites: 3 },
    });
    const config = await readClientConfig(path);
    expect(config).toEqual({
      siteName: 'Hospital A',
      data: 'data/site.yaml',
      backend: 'wasm',
      threads: 4,
      coordinatorUrl: '',
      privacy: { maxEpsilon: 8, minSites: 3 },
    });
    expect(dataConfigPath(config, dir)).toBe(join(dir, 'data/site.yaml'));
  });

  it('names the file and the field when a value is wrong', async () => {
    const path = join(dir, 'client.yaml');
    await writeFile(path, 'siteName: A\nbackend: gpu\n');
    await expect(readClientConfig(path)).rejects.toThrow(`${path}: backend:`);
  });

  it('trains on one thread unless told otherwise', async () => {
    const path = join(dir, 'client.yaml');
    await writeFile(path, 'siteName: A\n');
    expect((await readClientConfig(path)).threads).toBe(1);
  });

  it.each([
    ['0', 'got 0'],
    ['-1', 'got -1'],
    ['1.5', 'got 1.5'],
    ['"4"', 'got "4"'],
    ['all', 'got "all"'],
  ])('refuses threads: %s, naming the field and the value', async (value, got) => {
    const path = join(dir, 'client.yaml');
    await writeFile(path, `siteName: A\nthreads: ${value}\n`);
    await expect(readClientConfig(path)).rejects.toThrow(
      `${path}: threads: must be auto or a whole number of threads ≥ 1, ${got}`,
    );
  });

  it.each([
    ['privacy: { maxEpsilon: 0 }', 'privacy.maxEpsilon'],
    ['privacy: { maxEpsilon: -1 }', 'privacy.maxEpsilon'],
    ['privacy: { minSites: 1.5 }', 'privacy.minSites'],
    ['privacy: { requireSecureAggregation: "yes" }', 'privacy.requireSecureAggregation'],
    ['privacy: { maxEpsilom: 8 }', 'maxEpsilom'],
  ])('refuses %s, naming the field', async (line, field) => {
    const path = join(dir, 'client.yaml');
    await writeFile(path, `siteName: A\n${line}\n`);
    await expect(readClientConfig(path)).rejects.toThrow(field);
  });

  it('has no privacy rules unless given', async () => {
    const path = join(dir, 'client.yaml');
    await writeFile(path, 'siteName: A\n');
    expect((await readClientConfig(path)).privacy).toEqual({});
  });
});
