import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sealedNonce, toBase64 } from '@fedfuse/crypto';
import { FitRes, Sha256Hex, Uuid, sha256Hex } from '@fedfuse/protocol';
import { z } from 'zod';

import { isNotFound, writeFileAtomic } from './atomic-file.ts';

/** The JSON half of a finished training result waiting for the coordinator's receipt. */
const PendingRecord = z.object({
  version: z.literal(1),
  roundId: Uuid,
  roundNumber: z.int().min(1),
  /** Global model the delta was computed from: a round restarted with another model needs a new result. */
  modelHash: Sha256Hex,
  createdAt: z.int().nonnegative(),
  fitRes: FitRes,
});
export type PendingRecord = z.infer<typeof PendingRecord>;

/** A finished result: the FitRes to submit and the sealed delta its transfer names. */
export interface PendingResult {
  record: PendingRecord;
  sealed: Uint8Array;
}

/** Why a pending file was thrown away on load. */
export interface DiscardedPending {
  file: string;
  reason: string;
}

/**
 * Finished results by round id, in memory and in `pending/<roundId>.json` + `pending/<roundId>.sealed`, so a
 * result survives a daemon restart, a coordinator restart or a network cut and is re-sent, never retrained.
 */
export class PendingStore {
  private readonly results = new Map<string, PendingResult>();

  constructor(readonly dir: string) {}

  /** Persist a result (sealed bytes first; the JSON, written last, commits it) and keep it in memory. */
  async save(result: PendingResult): Promise<void> {
    const { roundId } = result.record;
    await writeFileAtomic(this.sealedPath(roundId), result.sealed, { mode: 0o600 });
    await writeFileAtomic(this.recordPath(roundId), `${JSON.stringify(result.record, null, 2)}\n`, {
      mode: 0o600,
    });
    this.results.set(roundId, result);
  }

  /** The result for `roundId` when it was computed from `modelHash`. */
  find(roundId: string, modelHash: string): PendingResult | undefined {
    const found = this.results.get(roundId);
    return found?.record.modelHash === modelHash ? found : undefined;
  }

  /** Whether a result for `roundId` is pending. */
  has(roundId: string): boolean {
    return this.results.has(roundId);
  }

  /** Every result in memory, oldest first. */
  all(): PendingResult[] {
    return [...this.results.values()].sort((a, b) => a.record.createdAt - b.record.createdAt);
  }

  /** Forget a result, in memory and on disk. */
  async remove(roundId: string): Promise<void> {
    this.results.delete(roundId);
    await rm(this.recordPath(roundId), { force: true });
    await rm(this.sealedPath(roundId), { force: true });
  }

  /** Read every pending result from disk; damaged or inconsistent ones are deleted and reported. */
  async load(): Promise<DiscardedPending[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const discarded: DiscardedPending[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const roundId = name.slice(0, -'.json'.length);
      const problem = await this.loadOne(roundId);
      if (problem) {
        discarded.push({ file: join(this.dir, name), reason: problem });
        await this.remove(roundId);
      }
    }
    await this.removeOrphans(names);
    return discarded;
  }

  private async loadOne(roundId: string): Promise<string | undefined> {
    let raw: unknown;
    let sealed: Uint8Array;
    try {
      raw = JSON.parse(await readFile(this.recordPath(roundId), 'utf8'));
      sealed = new Uint8Array(await readFile(this.sealedPath(roundId)));
    } catch (err) {
      return isNotFound(err) ? 'the sealed delta file is missing' : `unreadable: ${(err as Error).message}`;
    }
    const parsed = PendingRecord.safeParse(raw);
    if (!parsed.success || parsed.data.roundId !== roundId) return 'the record is not a valid pending result';
    const problem = await checkSealed(parsed.data, sealed);
    if (problem) return problem;
    this.results.set(roundId, { record: parsed.data, sealed });
    return undefined;
  }

  private async removeOrphans(names: string[]): Promise<void> {
    // A crash between the two writes of save() leaves a sealed file without its record.
    for (const name of names.filter((n) => n.endsWith('.sealed'))) {
      const roundId = name.slice(0, -'.sealed'.length);
      if (!this.results.has(roundId)) await rm(join(this.dir, name), { force: true });
    }
    for (const name of names.filter((n) => n.endsWith('.tmp')))
      await rm(join(this.dir, name), { force: true });
  }

  private recordPath(roundId: string): string {
    return join(this.dir, `${roundId}.json`);
  }

  private sealedPath(roundId: string): string {
    return join(this.dir, `${roundId}.sealed`);
  }
}

async function checkSealed(record: PendingRecord, sealed: Uint8Array): Promise<string | undefined> {
  const { transfer, nonce } = record.fitRes.delta;
  if (sealed.byteLength !== transfer.totalBytes) return 'the sealed delta has the wrong length';
  if ((await sha256Hex(sealed)) !== transfer.sha256) return 'the sealed delta does not match its hash';
  const boxNonce = sealedNonce(sealed);
  if (!boxNonce || toBase64(boxNonce) !== nonce) return 'the sealed delta does not match its nonce';
  return undefined;
}
