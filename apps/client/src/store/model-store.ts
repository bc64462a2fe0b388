import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelSpec, Sha256Hex, sha256Hex } from '@fedfuse/protocol';
import { z } from 'zod';

import { isNotFound, writeFileAtomic } from './atomic-file.ts';

/** What is kept next to a stored model: enough to rebuild its architecture for `evaluate`. */
export const StoredModelMeta = z.object({
  modelHash: Sha256Hex,
  manifestHash: Sha256Hex,
  modelSpec: ModelSpec,
  /** Round the model was received for (its signature was checked for this round). */
  roundId: z.string(),
  storedAt: z.int().nonnegative(),
});
export type StoredModelMeta = z.infer<typeof StoredModelMeta>;

/** One entry of the store as `status` lists it. */
export interface StoredModel {
  modelHash: string;
  bytes: number;
  storedAt: number;
  meta?: StoredModelMeta;
}

const HASH_FILE = /^([0-9a-f]{64})\.ffwt$/;

/**
 * Global models by model hash (`<hash>.ffwt` + `<hash>.json`), so a round that reuses a model or a result
 * retried after a restart needs no second download. Blobs are re-hashed on read: a damaged file is dropped.
 */
export class ModelStore {
  private readonly keep: number;

  constructor(
    readonly dir: string,
    options: { keep?: number } = {},
  ) {
    this.keep = options.keep ?? 5;
  }

  /** Path of the blob of `modelHash`. */
  blobPath(modelHash: string): string {
    return join(this.dir, `${modelHash}.ffwt`);
  }

  /** The blob of `modelHash` if stored and intact. */
  async read(modelHash: string): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.blobPath(modelHash)));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if ((await sha256Hex(bytes)) === modelHash) return bytes;
    await this.remove(modelHash);
    return undefined;
  }

  /** The metadata of `modelHash`, or undefined when missing or unreadable. */
  async readMeta(modelHash: string): Promise<StoredModelMeta | undefined> {
    try {
      const parsed = StoredModelMeta.safeParse(JSON.parse(await readFile(this.metaPath(modelHash), 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Store a verified blob and its metadata (blob first: metadata without a blob is never left behind). */
  async write(bytes: Uint8Array, meta: StoredModelMeta): Promise<void> {
    await writeFileAtomic(this.blobPath(meta.modelHash), bytes);
    await writeFileAtomic(this.metaPath(meta.modelHash), `${JSON.stringify(meta, null, 2)}\n`);
    await this.prune(meta.modelHash);
  }

  /** Stored models, newest first. */
  async list(): Promise<StoredModel[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const models: StoredModel[] = [];
    for (const name of names) {
      const hash = HASH_FILE.exec(name)?.[1];
      if (!hash) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (!info) continue;
      const meta = await this.readMeta(hash);
      models.push({ modelHash: hash, bytes: info.size, storedAt: meta?.storedAt ?? info.mtimeMs, meta });
    }
    return models.sort((a, b) => b.storedAt - a.storedAt);
  }

  /** The full hash of the one stored model whose hash starts with `prefix`; throws when ambiguous. */
  async resolvePrefix(prefix: string): Promise<string | undefined> {
    const matches = (await this.list()).filter((m) => m.modelHash.startsWith(prefix.toLowerCase()));
    if (matches.length > 1)
      throw new Error(`model hash prefix ${prefix} matches ${matches.length} stored models`);
    return matches[0]?.modelHash;
  }

  /** Delete a model and its metadata. */
  async remove(modelHash: string): Promise<void> {
    await rm(this.blobPath(modelHash), { force: true });
    await rm(this.metaPath(modelHash), { force: true });
  }

  private metaPath(modelHash: string): string {
    return join(this.dir, `${modelHash}.json`);
  }

  /** Keep the newest `keep` models (never the one just written): a model is tens of MB, rounds are many. */
  private async prune(justWritten: string): Promise<void> {
    const models = await this.list();
    for (const old of models.slice(this.keep)) {
      if (old.modelHash !== justWritten) await this.remove(old.modelHash);
    }
  }
}
