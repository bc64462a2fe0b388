/** Outcome of presenting a challenge nonce. */
export type NonceVerdict = 'fresh' | 'replayed' | 'unknown' | 'mismatch';

interface Entry {
  siteId: string;
  expiresAt: number;
  used: boolean;
}

/**
 * Challenge nonces the coordinator issued and has not yet seen expire. An entry lives only until its
 * challenge expires (after that the expiry check refuses a replay anyway), so the cache's size is bounded by
 * issue rate × challenge lifetime, and hard-capped by `maxEntries`.
 */
export class NonceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Live entries (issued, not yet expired). */
  get size(): number {
    return this.entries.size;
  }

  /** Remember a newly issued nonce; false when the cache is full of live challenges (rate-limit the caller). */
  issue(entry: { nonce: string; siteId: string; expiresAt: number; now: number }): boolean {
    this.prune(entry.now);
    if (this.entries.size >= this.maxEntries || this.entries.has(entry.nonce)) return false;
    this.entries.set(entry.nonce, { siteId: entry.siteId, expiresAt: entry.expiresAt, used: false });
    return true;
  }

  /**
   * Mark a nonce used. `fresh` exactly once per issued nonce; `replayed` afterwards; `unknown` if never issued
   * (or already expired and pruned); `mismatch` if presented for another site or with another expiry.
   */
  consume(entry: { nonce: string; siteId: string; expiresAt: number; now: number }): NonceVerdict {
    this.prune(entry.now);
    const found = this.entries.get(entry.nonce);
    if (!found) return 'unknown';
    if (found.used) return 'replayed';
    if (found.siteId !== entry.siteId || found.expiresAt !== entry.expiresAt) return 'mismatch';
    found.used = true;
    return 'fresh';
  }

  private prune(now: number): void {
    // Maps iterate in insertion order, which is expiry order when every challenge has the same lifetime, so
    // this usually stops at the first live entry; a full cache gets a full sweep.
    const full = this.entries.size >= this.maxEntries;
    for (const [nonce, e] of this.entries) {
      if (e.expiresAt < now) this.entries.delete(nonce);
      else if (!full) break;
    }
  }
}
