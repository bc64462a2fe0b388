import { describe, expect, it } from 'vitest';
import { runPrivacyView } from './run-privacy.ts';

const none = { committed: [], recordLevel: new Map(), siteNames: new Map() };

describe(runPrivacyView.name, () => {
  it('fills a run without differential privacy: secure aggregation as configured, no mechanism, no ε', () => {
    for (const secureAggregation of [true, false])
      expect(
        runPrivacyView({
          ...none,
          mechanisms: { clientLevel: false, recordLevel: false, secureAggregation },
        }),
      ).toEqual({ mechanism: null, secureAggregation, epsilon: null, delta: null, rounds: 0, sites: [] });
  });

  it('names the mechanism of a record-level run, with secure aggregation on', () => {
    const view = runPrivacyView({
      ...none,
      mechanisms: { clientLevel: false, recordLevel: true, secureAggregation: true },
      recordLevel: new Map([['s1', { epsilon: 2, delta: 1e-5, epochs: 3 }]]),
      siteNames: new Map([['s1', 'Hospital A']]),
    });
    expect(view).toMatchObject({ mechanism: 'dp-sgd-gaussian', secureAggregation: true, epsilon: null });
    expect(view.sites).toEqual([
      {
        siteId: 's1',
        siteName: 'Hospital A',
        epsilon: null,
        rounds: 0,
        recordLevel: { epsilon: 2, delta: 1e-5, epochs: 3 },
      },
    ]);
  });
});
