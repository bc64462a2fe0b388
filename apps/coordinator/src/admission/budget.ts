import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimiterRes } from 'rate-limiter-flexible';

/** At most `perMinute` events per key in a minute counted from its first one; keys expire by themselves (no sweep, no cap to clear). */
export class Budget {
  private readonly limiter: RateLimiterMemory;

  constructor(perMinute: number) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  }

  /** Spends one point; false when the key's budget for this minute is spent. */
  async take(key: string): Promise<boolean> {
    try {
      await this.limiter.consume(key, 1);
      return true;
    } catch (error) {
      if (isLimiterAnswer(error)) return false;
      throw error;
    }
  }
}

/** rate-limiter-flexible rejects with its result object when a key is over its points. */
function isLimiterAnswer(error: unknown): error is RateLimiterRes {
  return typeof error === 'object' && error !== null && 'msBeforeNext' in error;
}
