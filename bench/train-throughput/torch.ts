import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultModelConfig } from '@fedfuse/model';

/** samples/s, or why there is no figure. */
export type Measured = number | string;

const python = '/usr/bin/python3';

interface TorchRun {
  batchSize: number;
  steps: number;
  warmupSteps: number;
  threads: number;
  skip: boolean;
}

function torchOnce(run: TorchRun): Measured {
  if (run.skip) return 'not asked';
  if (!existsSync(python)) return `${python} not found`;
  const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
  const { skip: _skip, ...asked } = run;
  const config = { ...defaultModelConfig, ...asked };
  const result = spawnSync(python, [script, JSON.stringify(config)], { encoding: 'utf8' });
  if (result.status !== 0) return `torch unavailable (${(result.stderr || '').trim().split('\n').pop()})`;
  return (JSON.parse(result.stdout.trim().split('\n').pop()!) as { samplesPerSecond: number })
    .samplesPerSecond;
}

/**
 * PyTorch at the run's thread count before and after `measure`, their mean as the baseline: a change in
 * machine load during the run shows in the printed pair and averages out.
 */
export async function torchSamplesPerSecond<T>(
  run: TorchRun,
  measure: () => Promise<T>,
): Promise<{ torch: Measured; measured: T }> {
  const before = torchOnce(run);
  const measured = await measure();
  const after = torchOnce(run);
  if (typeof before !== 'number' || typeof after !== 'number') return { torch: before, measured };
  console.log(
    `pytorch ${run.threads} thread(s) before: ${before.toFixed(1)} samples/s, after: ${after.toFixed(1)} (mean used)`,
  );
  return { torch: (before + after) / 2, measured };
}
