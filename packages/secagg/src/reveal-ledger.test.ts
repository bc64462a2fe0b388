import { describe, expect, it } from 'vitest';

import { RevealLedger } from './reveal-ledger.ts';

describe(RevealLedger.name, () => {
  it('reveals one kind per neighbour, repeats it on a retry, and never the other kind', () => {
    const ledger = new RevealLedger();
    ledger.commit(
      new Map([
        ['a', 'self-mask'],
        ['b', 'mask-key'],
      ]),
    );
    ledger.commit(
      new Map([
        ['a', 'self-mask'],
        ['b', 'mask-key'],
      ]),
    );
    expect(() =>
      ledger.commit(
        new Map([
          ['c', 'self-mask'],
          ['b', 'self-mask'],
        ]),
      ),
    ).toThrow(expect.objectContaining({ code: 'inconsistent_lists' }));
    // All or nothing: 'c' was not recorded by the refused call, so either kind is still open for it.
    ledger.commit(new Map([['c', 'mask-key']]));
    expect(() => ledger.commit(new Map([['a', 'mask-key']]))).toThrow(
      expect.objectContaining({ code: 'inconsistent_lists' }),
    );
  });
});
