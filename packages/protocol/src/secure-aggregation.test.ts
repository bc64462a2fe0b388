import { describe, expect, it } from 'vitest';

import { RunConfig } from './rest/run-config.ts';
import { secureAggregationConflict } from './secure-aggregation.ts';

const parseRun = (extra: Record<string, unknown>) => RunConfig.safeParse({ name: 'r', ...extra });

describe("a run's secure-aggregation option", () => {
  it('is off when left out, and fills in no colluders and the complete graph', () => {
    expect(RunConfig.parse({ name: 'r' }).secureAggregation).toBeUndefined();
    expect(
      RunConfig.parse({ name: 'r', secureAggregation: { toleratedDropouts: 1 } }).secureAggregation,
    ).toEqual({ toleratedDropouts: 1, toleratedColluders: 0, graph: 'complete' });
  });

  it.each([
    [{}, 'secureAggregation.toleratedDropouts'],
    [{ toleratedDropouts: -1 }, 'secureAggregation.toleratedDropouts'],
    [{ toleratedDropouts: 1, toleratedColluders: 1.5 }, 'secureAggregation.toleratedColluders'],
    [{ toleratedDropouts: 1, graph: 'ring' }, 'secureAggregation.graph'],
    [{ toleratedDropouts: 1, threshold: 3 }, 'secureAggregation'],
  ])('refuses %j, naming %s', (secureAggregation, field) => {
    const parsed = parseRun({ secureAggregation });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it.each(['fedmedian', 'trimmedmean', 'krum'])('cannot go with %s, and says why', (strategy) => {
    const config = RunConfig.parse({
      name: 'r',
      strategy: { name: strategy },
      secureAggregation: { toleratedDropouts: 1 },
    });
    expect(secureAggregationConflict(config)).toMatch(
      new RegExp(`strategy ${strategy}: it needs the sites' individual updates`),
    );
  });

  it.each(['fedavg', 'fedprox', 'fedadam', 'fedyogi', 'fedadagrad', 'fedavgm'])(
    'goes with %s',
    (strategy) => {
      const config = RunConfig.parse({
        name: 'r',
        strategy: { name: strategy },
        secureAggregation: { toleratedDropouts: 1 },
        privacy: { dp: { clip: 1, noiseMultiplier: 1 } },
      });
      expect(secureAggregationConflict(config)).toBeUndefined();
    },
  );

  it('cannot go with a coordinator-side norm bound or adaptive clipping, which need one update each', () => {
    const base = { name: 'r', secureAggregation: { toleratedDropouts: 1 } };
    expect(secureAggregationConflict(RunConfig.parse({ ...base, maxUpdateNorm: 2 }))).toMatch(
      /maxUpdateNorm: the coordinator cannot measure a masked update's norm/,
    );
    const adaptive = { dp: { clip: 1, noiseMultiplier: 2, adaptive: { countNoiseStd: 2 } } };
    expect(secureAggregationConflict(RunConfig.parse({ ...base, privacy: adaptive }))).toMatch(
      /privacy.dp.adaptive: adaptive clipping needs each site's/,
    );
  });

  it('lets a run without it use any strategy', () => {
    expect(
      secureAggregationConflict(RunConfig.parse({ name: 'r', strategy: { name: 'krum' } })),
    ).toBeUndefined();
  });
});
