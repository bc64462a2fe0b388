// Wall and CPU time per named part of a round. On the shared 2-core VM wall time swings with the other
// jobs' load; the process's CPU time (user + system, process.cpuUsage) swings far less, so both are kept.
import { performance } from 'node:perf_hooks';

export interface Cost {
  wallMs: number;
  cpuMs: number;
}

/** Costs by part name, summed over every call timed under that name. */
export class Parts {
  readonly costs = new Map<string, Cost>();

  time<T>(part: string, fn: () => T): T {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    try {
      return fn();
    } finally {
      this.add(part, wall, cpu);
    }
  }

  async timeAsync<T>(part: string, fn: () => Promise<T>): Promise<T> {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    try {
      return await fn();
    } finally {
      this.add(part, wall, cpu);
    }
  }

  get(part: string): Cost {
    return this.costs.get(part) ?? { wallMs: 0, cpuMs: 0 };
  }

  /** The sum of several parts. */
  sum(parts: readonly string[]): Cost {
    return parts.reduce((total, p) => plus(total, this.get(p)), { wallMs: 0, cpuMs: 0 });
  }

  private add(part: string, wall: number, cpu: NodeJS.CpuUsage): void {
    const used = process.cpuUsage(cpu);
    const before = this.get(part);
    this.costs.set(part, {
      wallMs: before.wallMs + performance.now() - wall,
      cpuMs: before.cpuMs + (used.user + used.system) / 1000,
    });
  }
}

/** Scale a cost (e.g. a sum over sites down to one site's mean). */
export function scaled(cost: Cost, factor: number): Cost {
  return { wallMs: cost.wallMs * factor, cpuMs: cost.cpuMs * factor };
}

export function plus(a: Cost, b: Cost): Cost {
  return { wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs };
}

export function minus(a: Cost, b: Cost): Cost {
  return { wallMs: a.wallMs - b.wallMs, cpuMs: a.cpuMs - b.cpuMs };
}

/** Median of each measure over repetitions. */
export function median(costs: readonly Cost[]): Cost {
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wallMs: mid(costs.map((c) => c.wallMs)), cpuMs: mid(costs.map((c) => c.cpuMs)) };
}
