import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { flClientEventSchemas, flServerEventSchemas } from './fl-events.ts';
import { flRouteSchemas } from './fl-routes.ts';
import { AuditCursor, auditCursorAfter, readAuditCursor } from './audit.ts';
import { opsClientEventSchemas, opsServerEventSchemas } from './ops-events.ts';
import { parseOrError } from './parse.ts';
import {
  allCases,
  flClientSamples,
  flRouteSamples,
  flServerSamples,
  opsClientSamples,
  opsServerSamples,
} from './test-samples.ts';
import { FlEvent, FlRoute, OpsEvent } from './event-names.ts';
import { WeightsManifest } from './manifest.ts';
import { MAX_CHUNK_BYTES } from './limits.ts';

function clone<T>(v: T): T {
  return structuredClone(v);
}

function errorOf(schema: z.ZodType, raw: unknown): string {
  const res = parseOrError(schema, raw);
  if (res.ok) throw new Error('expected the payload to be refused');
  expect(res.error.code).toBe('invalid_payload');
  return res.error.message;
}

describe('event schemas', () => {
  it.each(allCases())('accepts the valid $name', ({ schema, sample }) => {
    const res = parseOrError(schema, sample);
    expect(res).toMatchObject({ ok: true });
  });

  it('names the nested field in a hyper-parameter error', () => {
    const ins = clone(flServerSamples[FlEvent.roundStart]);
    ins.config.epochs = 0;
    expect(errorOf(flServerEventSchemas[FlEvent.roundStart].payload, ins)).toMatch(
      /^config\.epochs: Too small/,
    );
  });

  it('refuses group counts above numExamples, naming the group', () => {
    const res = clone(flClientSamples[FlEvent.roundSubmit]);
    res.groupExamples.imaging = 121;
    expect(errorOf(flClientEventSchemas[FlEvent.roundSubmit].payload, res)).toContain(
      'groupExamples.imaging',
    );
  });

  it('never lets a __proto__ record key through', () => {
    const res = clone(flClientSamples[FlEvent.roundSubmit]);
    const metrics = JSON.parse('{"__proto__": {"polluted": 1}, "loss": 0.2}') as Record<string, number>;
    const parsed = parseOrError(flClientEventSchemas[FlEvent.roundSubmit].payload, { ...res, metrics });
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(Object.keys(parsed.data.metrics)).toEqual(['loss']);
    expect(Object.getPrototypeOf(parsed.data.metrics)).toBe(Object.prototype);
    expect(
      errorOf(flClientEventSchemas[FlEvent.roundSubmit].payload, { ...res, metrics: { _x: 1 } }),
    ).toMatch(/^metrics\._x: invalid key: expected a name/);
  });

  it('refuses non-finite metrics and losses', () => {
    const res = clone(flClientSamples[FlEvent.roundSubmit]);
    expect(
      errorOf(flClientEventSchemas[FlEvent.roundSubmit].payload, { ...res, lossPerEpoch: [NaN] }),
    ).toContain('lossPerEpoch[0]');
    expect(
      errorOf(flClientEventSchemas[FlEvent.roundSubmit].payload, { ...res, metrics: { loss: Infinity } }),
    ).toContain('metrics.loss');
  });

  it('accepts a FitRes with or without its loss terms, and refuses a term that is not a loss', () => {
    const res = clone(flClientSamples[FlEvent.roundSubmit]);
    const schema = flClientEventSchemas[FlEvent.roundSubmit].payload;
    const lossTerms = { task: 0.3, auxiliary: 0.1, alignment: 0, reconstruction: 0.02, l2: 0, proximal: 0 };
    const parsed = parseOrError(schema, { ...res, lossTerms });
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.data.lossTerms).toEqual(lossTerms);
    expect(parseOrError(schema, res).ok).toBe(true);
    expect(errorOf(schema, { ...res, lossTerms: { ...lossTerms, l2: -1 } })).toContain('lossTerms.l2');
    expect(errorOf(schema, { ...res, lossTerms: { task: 0.3 } })).toContain('lossTerms.auxiliary');
  });

  it('refuses a histogram whose bins and counts disagree', () => {
    const res = clone(flClientSamples[FlEvent.evaluateSubmit]);
    res.tasks.mortality.histogram.positives.pop();
    expect(errorOf(flClientEventSchemas[FlEvent.evaluateSubmit].payload, res)).toContain(
      'tasks.mortality.histogram.positives: expected 4 counts',
    );
  });

  it.each([
    ['a negative count', -1],
    ['a fractional count', 1.5],
    ['a count that is not a number', '3'],
    ['a count past the safe integers', 2 ** 53],
  ])('refuses a histogram with %s, naming its bin', (_, bad) => {
    const res = clone(flClientSamples[FlEvent.evaluateSubmit]) as unknown as {
      tasks: Record<string, { histogram: { positives: unknown[] } }>;
    };
    res.tasks.mortality!.histogram.positives[2] = bad;
    expect(errorOf(flClientEventSchemas[FlEvent.evaluateSubmit].payload, res)).toBe(
      'tasks.mortality.histogram.positives[2]: expected a non-negative integer count',
    );
  });

  it('refuses histogram counts that are not an array, or more of them than bins may be', () => {
    const schema = flClientEventSchemas[FlEvent.evaluateSubmit].payload;
    const notArray = clone(flClientSamples[FlEvent.evaluateSubmit]) as unknown as {
      tasks: Record<string, { histogram: { negatives: unknown; bins: number } }>;
    };
    notArray.tasks.mortality!.histogram.negatives = { 0: 1 };
    expect(errorOf(schema, notArray)).toContain(
      'tasks.mortality.histogram.negatives: expected an array of counts',
    );
    const tooMany = clone(flClientSamples[FlEvent.evaluateSubmit]);
    tooMany.tasks.mortality.histogram.negatives = new Array<number>(1001).fill(0);
    expect(errorOf(schema, tooMany)).toContain(
      'tasks.mortality.histogram.negatives: expected at most 1000 counts, got 1001',
    );
  });

  it('refuses a histogram that does not add up to the task count', () => {
    const res = clone(flClientSamples[FlEvent.evaluateSubmit]);
    res.tasks.mortality.numExamples = 17;
    expect(errorOf(flClientEventSchemas[FlEvent.evaluateSubmit].payload, res)).toContain(
      'histogram holds 16 examples but numExamples is 17',
    );
  });

  it('refuses keys of the wrong length with a message saying the size', () => {
    const req = { ...flRouteSamples[FlRoute.enroll], boxKey: 'AAAA' };
    expect(errorOf(flRouteSchemas[FlRoute.enroll].payload, req)).toMatch(/^boxKey: .*32-byte public key/);
  });

  it('refuses a global model whose transfer hash differs from modelHash', () => {
    const ins = clone(flServerSamples[FlEvent.roundStart]);
    ins.model.weights.sha256 = 'c'.repeat(64);
    expect(errorOf(flServerEventSchemas[FlEvent.roundStart].payload, ins)).toContain('model.weights.sha256');
  });

  it('refuses a manifest whose shapes do not add up or repeat a name', () => {
    const bad = {
      dtype: 'float32',
      tensors: [
        { name: 'w', shape: [3] },
        { name: 'w', shape: [2] },
      ],
      numParams: 4,
    };
    const msg = errorOf(WeightsManifest, bad);
    expect(msg).toContain('tensors[1].name: duplicate tensor "w"');
    expect(msg).toContain('numParams: numParams is 4 but the tensor shapes add up to 5');
  });

  it('refuses a chunk whose data length does not fit its header', () => {
    const chunk = { ...flClientSamples[FlEvent.deltaChunk], data: new Uint8Array(10) };
    expect(errorOf(flClientEventSchemas[FlEvent.deltaChunk].payload, chunk)).toContain('data: data length');
  });

  it('refuses an oversized chunk', () => {
    const big = MAX_CHUNK_BYTES + 1;
    const chunk = {
      ...flClientSamples[FlEvent.deltaChunk],
      chunkBytes: big,
      totalBytes: big,
      chunkCount: 1,
      index: 0,
    };
    expect(
      errorOf(flClientEventSchemas[FlEvent.deltaChunk].payload, { ...chunk, data: new Uint8Array(big) }),
    ).toContain('chunkBytes: Too big');
  });

  it('accepts a chunk delivered as an ArrayBuffer and hands back a Uint8Array', () => {
    const chunk = { ...flClientSamples[FlEvent.deltaChunk], data: new ArrayBuffer(488) };
    const res = parseOrError(flClientEventSchemas[FlEvent.deltaChunk].payload, chunk);
    expect(res.ok && res.data.data).toBeInstanceOf(Uint8Array);
  });

  it('refuses too many submitted+failed sites in round progress', () => {
    const p = { ...opsServerSamples[OpsEvent.roundProgressed], submitted: 4 };
    expect(errorOf(opsServerEventSchemas[OpsEvent.roundProgressed].payload, p)).toContain(
      'submitted: submitted + failed cannot exceed selected',
    );
  });

  it('refuses an audit action that is not a dotted verb', () => {
    const e = { ...opsServerSamples[OpsEvent.auditAppended], action: 'Approve Site' };
    expect(errorOf(opsServerEventSchemas[OpsEvent.auditAppended].payload, e)).toMatch(
      /^action: expected a dotted/,
    );
  });

  it('refuses an audit cursor that was not minted by the coordinator', () => {
    const q = { ...opsClientSamples[OpsEvent.auditList], cursor: "1' OR 1=1" };
    expect(errorOf(opsClientEventSchemas[OpsEvent.auditList].payload, q)).toBe(
      'cursor: expected an audit cursor as returned in nextCursor',
    );
  });

  it('round-trips an audit cursor through (at, id)', () => {
    const entry = { at: 1_767_225_600_123, id: '0b7e4c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d' };
    const cursor = auditCursorAfter(entry);
    expect(AuditCursor.safeParse(cursor).success).toBe(true);
    expect(readAuditCursor(cursor)).toEqual(entry);
  });

  it('refuses a run summary without its tasks', () => {
    const { tasks: _tasks, ...run } = opsServerSamples[OpsEvent.runUpdated];
    expect(errorOf(opsServerEventSchemas[OpsEvent.runUpdated].payload, run)).toMatch(/^tasks: /);
  });

  it('strips unknown fields instead of passing them on', () => {
    const res = parseOrError(flClientEventSchemas[FlEvent.weightsFetch].payload, {
      ...flClientSamples[FlEvent.weightsFetch],
      isAdmin: true,
    });
    expect(res.ok && res.data).toEqual(flClientSamples[FlEvent.weightsFetch]);
  });
});
