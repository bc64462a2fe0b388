import { describe, expect, it } from 'vitest';

import { resolveRunConfig } from './run-config.ts';

const create = (minClients: number, secureAggregation: Record<string, unknown>, strategy = 'fedavg') =>
  resolveRunConfig({ name: 'r', minClients, strategy: { name: strategy }, secureAggregation });

describe('secure aggregation at run creation', () => {
  it('accepts a plan that holds for the smallest round (minClients), with its defaults', () => {
    const resolved = create(5, { toleratedDropouts: 1 });
    expect(resolved.ok && resolved.config.secureAggregation).toEqual({
      toleratedDropouts: 1,
      toleratedColluders: 0,
      graph: 'complete',
    });
  });

  it('accepts it with a fixed privacy.dp clip (the sites add distributed noise)', () => {
    const resolved = resolveRunConfig({
      name: 'r',
      minClients: 5,
      secureAggregation: { toleratedDropouts: 1 },
      privacy: { dp: { clip: 1, noiseMultiplier: 1 } },
    });
    expect(resolved.ok && resolved.config.privacy.dp).toMatchObject({ clip: 1, noiseMultiplier: 1 });
  });

  it('refuses it with adaptive clipping, naming the reason', () => {
    const resolved = resolveRunConfig({
      name: 'r',
      minClients: 5,
      secureAggregation: { toleratedDropouts: 1 },
      privacy: { dp: { clip: 1, noiseMultiplier: 1, adaptive: { countNoiseStd: 1 } } },
    });
    expect(!resolved.ok && resolved.message).toMatch(
      /secureAggregation cannot be used with privacy.dp.adaptive: adaptive clipping needs each site's "was my update clipped" bit/,
    );
  });

  it.each([
    // 5 sites: t = 4 (> 2·5/3), so only one may drop.
    [5, { toleratedDropouts: 2 }, /5 sites per round: n = 5 − threshold 4 = 1 < 2 tolerated dropouts/],
    [2, { toleratedDropouts: 0 }, /2 sites per round: sites must be an integer ≥ 3, got 2/],
    [
      5,
      { toleratedDropouts: 0, toleratedColluders: 5 },
      /5 sites per round: threshold 6 exceeds the 5 shares of n = 5/,
    ],
    [300, { toleratedDropouts: 1 }, /at most 255 sites can share secrets/],
  ])('refuses minClients %i with %j, naming the numbers', (minClients, option, message) => {
    const resolved = create(minClients, option);
    expect(resolved.ok).toBe(false);
    expect(!resolved.ok && resolved.message).toMatch(message);
  });

  it('refuses a strategy that needs individual updates before planning', () => {
    const resolved = create(5, { toleratedDropouts: 1 }, 'krum');
    expect(!resolved.ok && resolved.message).toMatch(/strategy krum: it needs the sites' individual updates/);
  });
});
