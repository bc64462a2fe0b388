import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIMULATOR_BIN } from '@fedfuse/simulator/bin-path';
import { SimulationReport } from '@fedfuse/simulator/report-schema';

const out = mkdtempSync(join(tmpdir(), 'fedfuse-sim-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs the CLI as a user would; resolves with its exit code and output. */
function fedfuseSim(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SIMULATOR_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('fedfuse-sim run', () => {
  it('trains a real 2-site federation and writes a report that matches its schema and shows learning', async () => {
    const { code, output } = await fedfuseSim([
      'run',
      '--out',
      out,
      '--sites',
      '2',
      '--rounds',
      '2',
      '--epochs',
      '3',
      '--patients-per-site',
      '200',
      '--image-size',
      '16',
      '--learning-rate',
      '0.003',
      '--seed',
      '1',
    ]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/round 2\/2 done in [\d.]+ s · pooled AUC cancer \d\.\d{3}/);
    expect(output).toContain('report: ');

    const report = SimulationReport.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.rounds.map((r) => r.number)).toEqual([1, 2]);
    expect(report.rounds.every((r) => r.sites.length === 2)).toBe(true);
    // Each round's objective in its terms: the task loss apart, and the terms adding up to the whole.
    for (const round of report.rounds) {
      const terms = round.lossTerms!;
      expect(terms.task).toBeGreaterThan(0);
      expect(terms.task).toBeLessThan(round.trainingLoss!);
      const sum = Object.values(terms).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(round.trainingLoss!, 4);
    }
    const tasks = Object.keys(report.final.tasks);
    expect(tasks).toEqual(['cancer', 'cardiac', 'metabolic']);

    // Learning: the final model ranks held-out patients well above chance, and federated evaluation agrees.
    expect(report.final.meanAuc).toBeGreaterThan(0.6);
    const roundMean = (i: number) =>
      tasks.reduce((s, t) => s + (report.rounds[i]!.tasks[t]!.auc ?? 0), 0) / tasks.length;
    expect(roundMean(1)).toBeGreaterThan(0.6);
    expect(roundMean(1)).toBeGreaterThanOrEqual(roundMean(0) - 0.05);
    // The reported model is the round with the best pooled validation AUC, scored on the test splits.
    const validation = report.rounds.map((r) => r.validationAuc ?? -1);
    expect(Math.min(...validation)).toBeGreaterThan(0.5);
    expect(report.final).toMatchObject({ selectedBy: 'validation', lastRound: 2 });
    expect(report.final.round).toBe(validation.indexOf(Math.max(...validation)) + 1);
    expect(output).toContain(`Selected model (round ${report.final.round} of 2, best pooled validation AUC)`);
    expect(Math.abs(roundMean(report.final.round - 1) - (report.final.meanAuc ?? 0))).toBeLessThan(0.05);

    // The Shapley values of each task add up to v(all) − v(∅) = AUC − 0.5.
    for (const task of tasks) {
      const m = report.final.tasks[task]!;
      const sum = (m.shapley.ehr ?? 0) + (m.shapley.imaging ?? 0) + (m.shapley.genomics ?? 0);
      expect(sum).toBeCloseTo((m.auc ?? 0) - 0.5, 6);
    }
    expect(report.final.embedding.points.length).toBe(report.final.numExamples);
    expect(report.peakMemoryBytes).toBeGreaterThan(0);
    // The sites run in site host processes (one per core, at most one per site), beside the coordinator.
    const roles = report.memory.processes.map((p) => p.role).sort();
    const hosts = Math.min(2, availableParallelism());
    expect(roles).toEqual(['coordinator', ...Array.from({ length: hosts }, (_, i) => `site-host-${i + 1}`)]);
    expect(output).toMatch(/2 sites in \d+ process(es)? [\d.]+ (MiB|GiB) \([\d.]+ MiB a site\)/);
    expect(report.timings.trainingSeconds).toBeGreaterThan(0);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Task loss per round');
    expect(html).not.toMatch(/<script|src=/);
    // The sites ran as real daemons against the real coordinator: their folders and logs are there.
    expect(existsSync(join(out, 'clients', 'site-1', 'enrollment.json'))).toBe(true);
    expect(readFileSync(join(out, 'logs', 'site-2.log'), 'utf8')).toContain('training result accepted');
  }, 300_000);

  it('--poison-site makes that real daemon send poisoned updates, which the coordinator excludes and records', async () => {
    const poisoned = join(out, 'poisoned');
    const { code, output } = await fedfuseSim([
      'run',
      '--out',
      poisoned,
      '--sites',
      '3',
      '--rounds',
      '1',
      '--epochs',
      '1',
      '--patients-per-site',
      '60',
      '--image-size',
      '16',
      '--seed',
      '2',
      '--poison-site',
      '3',
      '--poison',
      'scaled',
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain('site 3 is an attacker: it sends scaled updates every round');
    expect(output).toMatch(/round 1\/1 done in [\d.]+ s · pooled AUC .* · 1 update excluded \(norm bound\)/);
    // The poison came from the attacker's own daemon process, and only from it.
    expect(readFileSync(join(poisoned, 'logs', 'site-3.log'), 'utf8')).toContain('SIMULATED ATTACK');
    expect(readFileSync(join(poisoned, 'logs', 'site-1.log'), 'utf8')).not.toContain('SIMULATED ATTACK');
    const coordinatorLog = readFileSync(join(poisoned, 'logs', 'coordinator.log'), 'utf8');
    expect(coordinatorLog.match(/round\.update_excluded/g)).toHaveLength(1);
  }, 300_000);
});
