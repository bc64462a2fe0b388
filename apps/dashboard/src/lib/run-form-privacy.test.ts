import { describe, expect, it } from 'vitest';
import { buildRunRequest, defaultRunForm } from './run-form.ts';

const named = { ...defaultRunForm, name: 'secure' };

describe('buildRunRequest: secure aggregation and record-level DP', () => {
  it('leaves both off when their fields are empty', () => {
    const result = buildRunRequest(named);
    expect(result.ok && 'secureAggregation' in result.body).toBe(false);
    expect(result.ok && 'privacy' in result.body).toBe(false);
  });

  it('sends secureAggregation with the protocol defaults filled in, and the graph chosen', () => {
    expect(buildRunRequest({ ...named, secAggDropouts: '1' })).toMatchObject({
      ok: true,
      body: { secureAggregation: { toleratedDropouts: 1, toleratedColluders: 0, graph: 'complete' } },
    });
    expect(
      buildRunRequest({ ...named, secAggDropouts: '2', secAggColluders: '1', secAggGraph: 'sparse' }),
    ).toMatchObject({
      ok: true,
      body: { secureAggregation: { toleratedDropouts: 2, toleratedColluders: 1, graph: 'sparse' } },
    });
  });

  it('refuses, by the protocol schema, what the coordinator would', () => {
    const errors = (form: Partial<typeof named>) => {
      const result = buildRunRequest({ ...named, ...form });
      return result.ok ? {} : result.errors;
    };
    expect(errors({ secAggDropouts: '1.5' }).secAggDropouts).toMatch(/expected int/);
    expect(errors({ secAggDropouts: '-1' }).secAggDropouts).toMatch(/>=\s*0|too small/i);
    expect(errors({ secAggDropouts: 'one' }).secAggDropouts).toBe('not a number');
    expect(errors({ secAggColluders: '1' }).secAggDropouts).toBe('required with secure aggregation');
    expect(errors({ recordClip: '1' }).recordNoiseMultiplier).toBe('required with record-level DP');
    expect(errors({ recordClip: '0', recordNoiseMultiplier: '1' }).recordClip).toMatch(/>\s*0|too small/i);
    expect(errors({ recordClip: '1', recordNoiseMultiplier: '1', recordDelta: '2' }).recordDelta).toMatch(
      /<\s*1|too big/i,
    );
  });

  it('sends privacy.recordLevel next to privacy.dp, δ only when given', () => {
    const result = buildRunRequest({
      ...named,
      dpClip: '1',
      dpNoiseMultiplier: '0.5',
      recordClip: '2',
      recordNoiseMultiplier: '1.1',
    });
    expect(result.ok && result.body.privacy).toEqual({
      dp: { clip: 1, noiseMultiplier: 0.5 },
      recordLevel: { clip: 2, noiseMultiplier: 1.1 },
    });
    const withDelta = buildRunRequest({
      ...named,
      recordClip: '2',
      recordNoiseMultiplier: '1',
      recordDelta: '1e-5',
    });
    expect(withDelta.ok && withDelta.body.privacy).toEqual({
      recordLevel: { clip: 2, noiseMultiplier: 1, delta: 1e-5 },
    });
  });
});
