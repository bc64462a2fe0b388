import { describe, expect, it } from 'vitest';
import { FedProxStrategy } from './fed-prox-strategy.ts';
import type { ClientInfo } from './strategy.ts';

const clients: ClientInfo[] = [
  { id: 'a', available: true },
  { id: 'b', available: true },
];

describe(FedProxStrategy.name, () => {
  it('adds proximalMu to every fit config, next to the user config', () => {
    const strategy = new FedProxStrategy({ proximalMu: 0.01, onFitConfig: () => ({ epochs: 2 }) });
    const plan = strategy.configureFit(1, new Float32Array(1), clients);
    expect(plan.ok && plan.assignments.map((a) => a.config)).toEqual([
      { epochs: 2, proximalMu: 0.01 },
      { epochs: 2, proximalMu: 0.01 },
    ]);
  });

  it('rejects a negative or non-finite proximalMu', () => {
    expect(() => new FedProxStrategy({ proximalMu: -1 })).toThrow(/proximalMu must be a finite number >= 0/);
    expect(() => new FedProxStrategy({ proximalMu: Number.NaN })).toThrow(/proximalMu/);
  });
});
