import { Injectable } from '@nestjs/common';
import { decodeWeights } from '@fedfuse/protocol';
import { l2Norm } from '@fedfuse/strategy';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import type { UpdateRow } from '../repositories/rounds.repository.ts';

/** What a stored fit update's payload column records next to its delta file. */
export interface FitPayload {
  sha256: string;
  /** The delta file's size (absent on updates stored before it was recorded). */
  bytes?: number;
  groupExamples?: Record<string, number>;
  /** The delta's L2 norm, computed when it was accepted (absent on updates stored before it was). */
  norm?: number;
  /** DP rounds: whether the site's clipping shrank the delta (adaptive clipping counts the unclipped). */
  clipped?: boolean;
}

/** Reads stored fit deltas back, one at a time, checksum-verified. */
@Injectable()
export class StoredDeltas {
  constructor(private readonly files: FileStoreRepository) {}

  async read(row: UpdateRow): Promise<Float32Array> {
    const decoded = decodeWeights(await this.bytes(row));
    if (!decoded.ok)
      throw new Error(`stored delta of site ${row.site_id} does not decode: ${decoded.error.message}`);
    return decoded.data.values;
  }

  /**
   * Throws unless the stored delta is still there whole: a round committed from its running sum must still
   * have every update it counted on disk, as a restart before the commit rebuilds the sum from them. Its size
   * is enough: this process hashed the very bytes it wrote (fsync'd, renamed into place) earlier in the round,
   * and a rebuild reads every delta through readVerified, so a bit flipped on disk since is still refused
   * before it is used. Updates stored without a recorded size are hashed in full.
   */
  async verify(row: UpdateRow): Promise<void> {
    const { bytes } = JSON.parse(row.payload) as FitPayload;
    if (bytes === undefined) await this.bytes(row);
    else await this.files.assertSize(row.delta_path!, bytes);
  }

  /** The delta's L2 norm: recorded at acceptance, or read back for an update stored before that. */
  async norm(row: UpdateRow): Promise<number> {
    const { norm } = JSON.parse(row.payload) as FitPayload;
    return norm ?? l2Norm(await this.read(row));
  }

  private bytes(row: UpdateRow): Promise<Uint8Array> {
    const { sha256 } = JSON.parse(row.payload) as FitPayload;
    return this.files.readVerified(row.delta_path!, sha256);
  }
}
