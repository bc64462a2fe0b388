import { writeFile } from 'node:fs/promises';
import { sha256Hex } from '@fedfuse/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec } from '../testing/tiny-site.ts';
import { ModelStore } from './model-store.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function put(store: ModelStore, content: string, storedAt: number): Promise<string> {
  const bytes = new TextEncoder().encode(content);
  const modelHash = await sha256Hex(bytes);
  await store.write(bytes, {
    modelHash,
    manifestHash: modelHash,
    modelSpec: tinySpec,
    roundId: 'r',
    storedAt,
  });
  return modelHash;
}

describe(ModelStore.name, () => {
  it('reads back what it stored, by hash and by unique prefix', async () => {
    const store = new ModelStore(dir);
    const hash = await put(store, 'model one', 1);
    expect(new TextDecoder().decode(await store.read(hash))).toBe('model one');
    expect((await store.readMeta(hash))?.modelSpec).toEqual(tinySpec);
    expect(await store.resolvePrefix(hash.slice(0, 8))).toBe(hash);
  });

  it('drops a blob that no longer hashes to its name', async () => {
    const store = new ModelStore(dir);
    const hash = await put(store, 'model one', 1);
    await writeFile(store.blobPath(hash), 'bit rot');
    expect(await store.read(hash)).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('keeps only the newest models', async () => {
    const store = new ModelStore(dir, { keep: 2 });
    await put(store, 'a', 1);
    const b = await put(store, 'b', 2);
    const c = await put(store, 'c', 3);
    expect((await store.list()).map((m) => m.modelHash)).toEqual([c, b]);
  });
});
