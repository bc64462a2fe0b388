import { describe, expect, it } from 'vitest';
import { FlEvent } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const coordinator = perTestHarness();

/** GET /metrics as Prometheus scrapes it: with the operator token as its bearer credential. */
async function scrape(h: Harness): Promise<string> {
  const response = await fetch(`${h.coordinator.url}/metrics`, {
    headers: { authorization: `Bearer ${h.coordinator.operatorToken}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, e.g. `fedfuse_sites{status="approved"}`; undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  it('exposes the federation gauges in Prometheus text, and they follow handshakes, rounds and refusals', async () => {
    const harness = await coordinator.start();
    const empty = await scrape(harness);
    for (const name of [
      'fedfuse_sites',
      'fedfuse_sites_connected',
      'fedfuse_rounds_committed',
      'fedfuse_updates_rejected',
      'fedfuse_coordinator_process_cpu_seconds_total',
    ])
      expect(empty).toContain(`# TYPE ${name} `);
    expect(sample(empty, 'fedfuse_sites_connected')).toBe(0);
    expect(sample(empty, 'fedfuse_updates_rejected')).toBe(0);
    expect(sample(empty, 'fedfuse_sites{status="approved"}')).toBeUndefined();

    const site = await coordinator.site(harness, 'A');
    const connected = await scrape(harness);
    expect(sample(connected, 'fedfuse_sites_connected')).toBe(1);
    expect(sample(connected, 'fedfuse_sites{status="approved"}')).toBe(1);

    site.autoTrain = { delta: (g) => g.map(() => 0.125), numExamples: 4 };
    const run = await harness.api<{ runId: string }>('POST', '/api/runs', {
      name: 'scraped',
      rounds: 1,
      minClients: 1,
      model: tinyModel,
    });
    await harness.api('POST', `/api/runs/${run.body.runId}/start`);
    const committed = await waitFor(async () => {
      const text = await scrape(harness);
      return sample(text, 'fedfuse_rounds_committed{run="scraped"}') === 1 ? text : undefined;
    });
    const rejections = await harness.api('GET', `/api/sites/${site.siteId}/rejections`);
    expect({ rejected: sample(committed, 'fedfuse_updates_rejected'), rejections: rejections.body }).toEqual({
      rejected: 0,
      rejections: [],
    });

    // The accepted update and its audit entry were one SQLite commit; before the run, there was none.
    expect(sample(empty, 'fedfuse_sqlite_commits{tables="audit+updates"}')).toBeUndefined();
    expect(sample(committed, 'fedfuse_sqlite_commits{tables="audit+updates"}')).toBe(1);

    // A malformed chunk is a refusal the gauge counts.
    expect(await site.emit(FlEvent.deltaChunk, { index: -1 })).toMatchObject({ ok: false });
    expect(sample(await scrape(harness), 'fedfuse_updates_rejected')).toBe(1);
  });
});
