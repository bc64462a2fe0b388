import { describe, expect, it } from 'vitest';

import { formatIssues } from './parse.ts';
import { RunConfig, privacyConflict } from './rest/run-config.ts';

const parseRun = (privacy: unknown, strategy = 'fedavg') =>
  RunConfig.safeParse({ name: 'r', strategy: { name: strategy }, privacy });

describe("a run's privacy settings", () => {
  it('default to no differential privacy', () => {
    expect(RunConfig.parse({ name: 'r' }).privacy).toEqual({});
  });

  it("fill in adaptive clipping's defaults (median, η 0.2)", () => {
    const parsed = parseRun({ dp: { clip: 1, noiseMultiplier: 1, adaptive: { countNoiseStd: 2 } } });
    expect(parsed.success && parsed.data.privacy.dp?.adaptive).toEqual({
      targetQuantile: 0.5,
      learningRate: 0.2,
      countNoiseStd: 2,
    });
  });

  it.each([
    [{ dp: { clip: 0, noiseMultiplier: 1 } }, 'privacy.dp.clip'],
    [{ dp: { clip: 1, noiseMultiplier: -1 } }, 'privacy.dp.noiseMultiplier'],
    [{ dp: { clip: 1 } }, 'privacy.dp.noiseMultiplier'],
    [{ dp: { clip: 1, noiseMultiplier: 1, delta: 1 } }, 'privacy.dp.delta'],
    [
      { dp: { clip: 1, noiseMultiplier: 1, adaptive: { targetQuantile: 0.5 } } },
      'privacy.dp.adaptive.countNoiseStd',
    ],
    [
      { dp: { clip: 1, noiseMultiplier: 1, adaptive: { countNoiseStd: 1, targetQuantile: 1 } } },
      'privacy.dp.adaptive.targetQuantile',
    ],
    [{ recordLevel: { clip: 0, noiseMultiplier: 1 } }, 'privacy.recordLevel.clip'],
    [{ recordLevel: { clip: 1 } }, 'privacy.recordLevel.noiseMultiplier'],
    [{ recordLevel: { clip: 1, noiseMultiplier: 1, delta: 0 } }, 'privacy.recordLevel.delta'],
    [{ recordLevel: { clip: 1, noiseMultiplier: 1, perPatient: true } }, 'privacy.recordLevel'],
  ])('refuses %j, naming %s', (privacy, field) => {
    const parsed = parseRun(privacy);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(formatIssues(parsed.error.issues)).toContain(field);
  });

  it('takes record-level DP-SGD alone, or next to client-level DP-FedAvg, with any strategy', () => {
    const recordLevel = { clip: 1, noiseMultiplier: 1.1 };
    expect(parseRun({ recordLevel }, 'krum')).toMatchObject({
      success: true,
      data: { privacy: { recordLevel } },
    });
    const both = RunConfig.parse({
      name: 'r',
      privacy: { recordLevel, dp: { clip: 1, noiseMultiplier: 1 } },
    });
    expect(both.privacy).toEqual({ recordLevel, dp: { clip: 1, noiseMultiplier: 1 } });
    expect(privacyConflict(both)).toBeUndefined();
  });

  it.each(['fedmedian', 'trimmedmean', 'krum'])('cannot go with %s, and says why', (strategy) => {
    const config = RunConfig.parse({
      name: 'r',
      strategy: { name: strategy },
      privacy: { dp: { clip: 1, noiseMultiplier: 1 } },
    });
    expect(privacyConflict(config)).toMatch(
      new RegExp(`strategy ${strategy}: it selects or drops individual updates`),
    );
  });

  it.each(['fedavg', 'fedprox', 'fedadam', 'fedavgm'])('goes with %s', (strategy) => {
    const config = RunConfig.parse({
      name: 'r',
      strategy: { name: strategy },
      privacy: { dp: { clip: 1, noiseMultiplier: 1 } },
    });
    expect(privacyConflict(config)).toBeUndefined();
  });

  it('refuses count noise too small to leave the update any of z', () => {
    const config = RunConfig.parse({
      name: 'r',
      privacy: { dp: { clip: 1, noiseMultiplier: 2, adaptive: { countNoiseStd: 1 } } },
    });
    expect(privacyConflict(config)).toMatch(/countNoiseStd \(1\) must exceed noiseMultiplier \/ 2 \(1\)/);
  });

  it('lets a run without dp use any strategy', () => {
    expect(privacyConflict(RunConfig.parse({ name: 'r', strategy: { name: 'krum' } }))).toBeUndefined();
  });
});
