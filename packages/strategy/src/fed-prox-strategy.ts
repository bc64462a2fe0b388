import { FedAvgStrategy } from './fed-avg-strategy.ts';
import type { FedAvgStrategyOptions } from './fed-avg-strategy.ts';
import type { Config } from './strategy.ts';

/** Options of {@link FedProxStrategy}: FedAvg's plus the proximal coefficient. */
export interface FedProxStrategyOptions extends FedAvgStrategyOptions {
  /** μ of the client's proximal term (μ/2)·‖w − w_global‖²; required, as in Flower. */
  proximalMu: number;
}

/** Flower's FedProx: FedAvg on the server, with `proximalMu` added to every site's fit config. */
export class FedProxStrategy extends FedAvgStrategy {
  readonly proximalMu: number;

  constructor(options: FedProxStrategyOptions) {
    super(options);
    if (!Number.isFinite(options.proximalMu) || options.proximalMu < 0) {
      throw new Error(`FedProx proximalMu must be a finite number >= 0, got ${options.proximalMu}`);
    }
    this.proximalMu = options.proximalMu;
  }

  protected override fitConfig(round: number): Config {
    return { ...super.fitConfig(round), proximalMu: this.proximalMu };
  }
}
