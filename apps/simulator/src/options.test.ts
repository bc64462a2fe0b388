import { describe, expect, it } from 'vitest';
import { resolveSimulationOptions } from './options.ts';

describe(resolveSimulationOptions.name, () => {
  it('takes an attacker as a site number and an attack', () => {
    const options = resolveSimulationOptions({ out: 'x', sites: 5, poisonSite: 5, poison: 'random' });
    expect(options).toMatchObject({ poisonSite: 5, poison: 'random' });
  });

  it('refuses half an attacker, a site that is not there, and an unknown attack, naming the option', () => {
    expect(() => resolveSimulationOptions({ out: 'x', poisonSite: 1 })).toThrow(/--poison and --poison-site/);
    expect(() => resolveSimulationOptions({ out: 'x', sites: 3, poisonSite: 4, poison: 'scaled' })).toThrow(
      /--poison-site: 4 is not one of the 3 sites/,
    );
    expect(() => resolveSimulationOptions({ out: 'x', poisonSite: 1, poison: 'loud' as never })).toThrow(
      /--poison:/,
    );
  });
});
