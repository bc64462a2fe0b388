import { describe, expect, it } from 'vitest';

import { splitSites } from './site-hosts.ts';

describe(splitSites.name, () => {
  it('spreads the sites over the hosts in order, sizes differing by at most one', () => {
    const sites = Array.from({ length: 200 }, (_, i) => `site-${i + 1}`);
    const groups = splitSites(sites, 3);
    expect(groups.map((g) => g.length)).toEqual([66, 67, 67]);
    expect(groups.flat()).toEqual(sites);
  });

  it('starts no host without a site, and at least one host', () => {
    expect(splitSites(['a', 'b'], 4)).toEqual([['a'], ['b']]);
    expect(splitSites(['a', 'b', 'c'], 0)).toEqual([['a', 'b', 'c']]);
  });
});
