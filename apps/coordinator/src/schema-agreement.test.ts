import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, ModelSpec, SiteDataSchema } from '@fedfuse/protocol';
import { RunSummary } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { startHarness, waitFor } from './testing/harness.ts';
import { enrolledSite as enrolledSiteIn } from './testing/enrolled-site.ts';
import { freshPostgres, postgresAvailable } from './testing/postgres.ts';
import { EHR_COLUMNS, PANEL, siteSchema } from './testing/site-schemas.ts';
import type { TestSite } from './testing/test-site.ts';

let harness: Harness | undefined;
const sites: TestSite[] = [];
let dropDatabase: (() => Promise<void>) | undefined;
afterEach(async () => {
  sites.splice(0).forEach((s) => s.close());
  await harness?.close();
  harness = undefined;
  await dropDatabase?.();
  dropDatabase = undefined;
});

/** A small architecture and no input at all: widths, tasks and modalities are left to the sites. */
const architectureOnly = {
  fusion: 'concat',
  convFilters: [2],
  d: 4,
  ehrHidden: 4,
  genomicsHidden: 4,
  headHidden: 4,
};

async function reportingSite(h: Harness, name: string, schema: SiteDataSchema): Promise<TestSite> {
  const site = await enrolledSiteIn(h, name, sites);
  expect(await site.report(schema)).toEqual({ ok: true });
  return site;
}

async function createRun(h: Harness, model: object = architectureOnly): Promise<string> {
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'derived',
    rounds: 1,
    minClients: 2,
    model,
  });
  expect(run.status).toBe(201);
  return run.body.runId;
}

const startRun = (h: Harness, runId: string) =>
  h.api<{ state: string; config: { model: ModelSpec }; code?: string; message?: string }>(
    'POST',
    `/api/runs/${runId}/start`,
  );

const audit = async (h: Harness, action: string) =>
  (await h.api<AuditEntry[]>('GET', `/api/audit?action=${action}`)).body;

describe('the federation agrees on its data schema before a run starts', () => {
  it('derives every input from the approved sites: a run created without any dimension trains the derived spec', async () => {
    harness = await startHarness();
    const a = await reportingSite(harness, 'Hospital A', siteSchema());
    await reportingSite(harness, 'Hospital B', siteSchema());
    await reportingSite(harness, 'Hospital C', siteSchema({ modalities: ['ehr', 'genomics'] }));
    // A suspended site's data does not count, even when it disagrees.
    const d = await reportingSite(harness, 'Hospital D', siteSchema({ ehrColumns: ['age'] }));
    expect((await harness.api('POST', `/api/sites/${d.siteId}/suspend`)).status).toBe(200);

    const inputs = {
      modalities: ['ehr', 'imaging', 'genomics'],
      tasks: ['cancer', 'cardiac'],
      ehrDim: EHR_COLUMNS.length,
      genomicsDim: PANEL.length,
      imageShape: [16, 16, 1],
    };
    const preview = await harness.api<{ ok: boolean; inputs: unknown; sites: { name: string }[] }>(
      'GET',
      '/api/federation/model-spec',
    );
    expect(preview.body).toMatchObject({
      ok: true,
      inputs,
      problems: [],
      unreported: [],
      texture: 'raw (Hospital A, Hospital B did not report texture sums)',
    });
    expect(preview.body.sites.map((s) => s.name)).toEqual(['Hospital A', 'Hospital B', 'Hospital C']);
    const listed = await harness.api<{ name: string; schema: SiteDataSchema }[]>('GET', '/api/sites');
    expect(listed.body.find((s) => s.name === 'Hospital A')!.schema).toEqual(siteSchema());

    const runId = await createRun(harness);
    const created = await harness.api<{ config: { model: Record<string, unknown> } }>(
      'GET',
      `/api/runs/${runId}`,
    );
    expect(created.body.config.model).not.toHaveProperty('ehrDim');
    // The Runs list and the run:updated broadcast show it with its tasks still to come from the sites.
    expect(RunSummary.parse(created.body)).toMatchObject({ runId, tasks: [] });
    const started = await startRun(harness, runId);
    expect(started.status).toBe(200);
    expect(started.body.config.model).toMatchObject({ ...inputs, fusion: 'concat', d: 4 });
    const ins = await waitFor(() => a.received[0]);
    expect(ins.modelSpec).toMatchObject(inputs);
    const [entry] = await audit(harness, 'run.started');
    expect(entry!.details).toMatchObject({
      derived: 'modalities, tasks, ehrDim, genomicsDim, imageShape',
      sites: 'Hospital A, Hospital B, Hospital C',
      texture: 'raw (Hospital A, Hospital B did not report texture sums)',
    });
  });

  it("standardises the texture energies by constants pooled from the imaging sites' sums", async () => {
    harness = await startHarness();
    const texture = (mean: number) => ({
      images: 20,
      sum: Array.from({ length: 6 }, (_, k) => 20 * (mean + k)),
      sumSquares: Array.from({ length: 6 }, (_, k) => 20 * ((mean + k) ** 2 + 1)),
    });
    const a = await reportingSite(harness, 'Hospital A', siteSchema({ imageTexture: texture(-1) }));
    await reportingSite(harness, 'Hospital B', siteSchema({ imageTexture: texture(1) }));
    const preview = await harness.api<{ texture: string }>('GET', '/api/federation/model-spec');
    expect(preview.body.texture).toBe('standardised by constants pooled over 2 site(s)');
    const started = await startRun(harness, await createRun(harness));
    expect(started.status).toBe(200);
    // 20 images at −1 + k and 20 at 1 + k, SD 1 each: the pooled mean is k, the variance 1 + 1.
    const norm = { center: [0, 1, 2, 3, 4, 5], scale: Array.from({ length: 6 }, () => Math.sqrt(2 + 1e-4)) };
    const agreed = started.body.config.model.imageTextureNorm!;
    agreed.center.forEach((v, k) => expect(v).toBeCloseTo(norm.center[k]!, 9));
    agreed.scale.forEach((v, k) => expect(v).toBeCloseTo(norm.scale[k]!, 9));
    // Every site builds the model with the same constants.
    expect((await waitFor(() => a.received[0])).modelSpec.imageTextureNorm).toEqual(agreed);
    const [entry] = await audit(harness, 'run.started');
    expect(entry!.details).toMatchObject({ texture: 'standardised by constants pooled over 2 site(s)' });
  });

  it('an EHR-only federation derives modalities [ehr]: no placeholder genes or pixels', async () => {
    harness = await startHarness();
    const ehrOnly = siteSchema({ modalities: ['ehr'], tasks: { outcome: { train: 80, test: 20 } } });
    for (const name of ['A', 'B', 'C']) await reportingSite(harness, name, ehrOnly);
    const started = await startRun(harness, await createRun(harness));
    expect(started.status).toBe(200);
    expect(started.body.config.model).toMatchObject({ modalities: ['ehr'], tasks: ['outcome'], ehrDim: 6 });
  });

  it.each([
    {
      difference: 'an extra EHR column',
      schema: siteSchema({ ehrColumns: [...EHR_COLUMNS, 'smoker_missing'] }),
      says: '"Hospital C" has extra column(s) smoker_missing',
    },
    {
      difference: 'a different gene panel',
      schema: siteSchema({ genes: PANEL.slice(0, 10) }),
      says: '"Hospital C" has 10 genes',
    },
    {
      difference: 'a different image shape',
      schema: siteSchema({ imageShape: [32, 32, 1] }),
      says: '"Hospital C" has 32×32×1',
    },
  ])(
    'refuses to start, naming the site, when one site has $difference (409, audited)',
    async ({ schema, says }) => {
      harness = await startHarness();
      const a = await reportingSite(harness, 'Hospital A', siteSchema());
      await reportingSite(harness, 'Hospital B', siteSchema());
      await reportingSite(harness, 'Hospital C', schema);
      const runId = await createRun(harness);
      const refused = await startRun(harness, runId);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('schema_mismatch');
      expect(refused.body.message).toMatch(/^run "derived" cannot start: sites disagree on/);
      expect(refused.body.message).toContain(says);
      expect((await harness.api<{ state: string }>('GET', `/api/runs/${runId}`)).body.state).toBe(
        'scheduled',
      );
      const [entry] = await audit(harness, 'run.start_refused');
      expect(entry).toMatchObject({
        outcome: 'refused',
        subject: runId,
        details: { reason: refused.body.message },
      });
      expect(a.received).toEqual([]);
    },
  );

  it('refuses a run that needs derived inputs before any site reports, and starts once they have', async () => {
    harness = await startHarness();
    const site = await enrolledSiteIn(harness, 'Hospital A', sites);
    const runId = await createRun(harness);
    const early = await startRun(harness, runId);
    expect(early.status).toBe(409);
    expect(early.body.message).toContain('no approved site has reported its data schema yet');
    const preview = await harness.api<{ ok: boolean; unreported: { name: string }[] }>(
      'GET',
      '/api/federation/model-spec',
    );
    expect(preview.body).toMatchObject({ ok: false, unreported: [{ name: 'Hospital A' }] });
    await site.report(siteSchema());
    expect((await startRun(harness, runId)).status).toBe(200);
  });

  it('checks explicit widths against the sites', async () => {
    harness = await startHarness();
    await reportingSite(harness, 'Hospital A', siteSchema());
    const runId = await createRun(harness, { ...architectureOnly, ehrDim: 32 });
    const refused = await startRun(harness, runId);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(
      'model.ehrDim is 32 but the sites\' EHR data encodes 6 columns ("Hospital A")',
    );
  });
});

describe.runIf(postgresAvailable)('on PostgreSQL', () => {
  it('stores the reported schemas, derives the spec and refuses a disagreeing site', async () => {
    const database = await freshPostgres();
    dropDatabase = () => database.drop();
    harness = await startHarness({ databaseUrl: database.url });
    await reportingSite(harness, 'Hospital A', siteSchema({ modalities: ['ehr'] }));
    const b = await reportingSite(
      harness,
      'Hospital B',
      siteSchema({ modalities: ['ehr'], ehrColumns: ['age'] }),
    );
    const runId = await createRun(harness);
    const refused = await startRun(harness, runId);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('"Hospital B" lacks bmi, sex=F, sex=M');
    expect(await b.report(siteSchema({ modalities: ['ehr'] }))).toEqual({ ok: true });
    const started = await startRun(harness, runId);
    expect(started.body.config.model).toMatchObject({ modalities: ['ehr'], ehrDim: 6 });
  });
});
