import { expect, it } from 'vitest';
import { privacyLine } from './report-html.ts';
import type { SimulationReport } from './report-schema.ts';

const withPrivacy = (secureAggregation: boolean) =>
  ({
    privacy: { secureAggregation, epsilon: null, delta: null, mechanism: null, sites: [] },
  }) as unknown as SimulationReport;

it('says what hid the updates in a run without DP: secure aggregation or sealing', () => {
  expect(privacyLine(withPrivacy(true))).toContain('the coordinator saw only the masked sum');
  expect(privacyLine(withPrivacy(false))).toContain('sealed to the coordinator only');
});
