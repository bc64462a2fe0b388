import { check } from './errors.ts';

/** What a site may reveal about one neighbour: the share of its self-mask seed or of its mask key, never both. */
export type Reveal = 'self-mask' | 'mask-key';

/**
 * The per-neighbour state machine of a site's unmasking: each neighbour moves once from holding to one
 * reveal, and stays there. Revealing the same kind again (a retried request) is allowed; the other kind is
 * refused, because the self-mask share of a site whose mask key was rebuilt (or the reverse) unmasks it.
 */
export class RevealLedger {
  private readonly revealed = new Map<string, Reveal>();

  /** Record the reveals of one unmask request, all or none: throws `inconsistent_lists` on any conflict. */
  commit(requests: ReadonlyMap<string, Reveal>): void {
    for (const [neighbour, reveal] of requests) {
      const earlier = this.revealed.get(neighbour);
      check(
        earlier === undefined || earlier === reveal,
        'inconsistent_lists',
        () => `${neighbour}'s ${earlier} share was already revealed; refusing its ${reveal} share too`,
      );
    }
    for (const [neighbour, reveal] of requests) this.revealed.set(neighbour, reveal);
  }
}
