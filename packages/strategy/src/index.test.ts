import { describe, expect, it } from 'vitest';
import * as strategy from './index.ts';

describe('@fedfuse/strategy public API', () => {
  it.each([
    'fedAvg',
    'fedMedian',
    'trimmedMean',
    'krum',
    'FedAdam',
    'FedYogi',
    'FedAdagrad',
    'FedAvgM',
    'FedAvgStrategy',
    'FedProxStrategy',
    'FedOptStrategy',
    'sampleClients',
    'validateUpdate',
  ] as const)('exports %s', (name) => {
    expect(strategy[name]).toBeTypeOf('function');
  });
});
