import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Modality } from '@fedfuse/model/spec';
import { batchShifts, geneModels } from './genomics-synth.ts';
import { drawSitePatients } from './latent.ts';
import { resolveOptions, type GenerateOptions, type SyntheticTask } from './options.ts';
import { planSites, type Scanner } from './site-plan.ts';
import { presenceSummary, writeSite } from './site-writer.ts';

/** What was generated for one site. */
export interface GeneratedSite {
  name: string;
  dir: string;
  /** Path of the site's `site.yaml`, ready for `loadSite`. */
  config: string;
  patients: number;
  test: number;
  prevalence: Record<SyntheticTask, number>;
  missingRates: Record<Modality, number>;
  withModality: Record<Modality, number>;
  scanner: Scanner;
  orientation: 'samples-by-genes' | 'genes-by-samples';
}

/** A generated federation: one folder per site plus `federation.json` describing them. */
export interface GeneratedFederation {
  outDir: string;
  seed: number;
  sites: GeneratedSite[];
}

const SUMMARY = 'federation.json';

/**
 * Writes a synthetic federation: `outDir/site-<k>/` folders in exactly the formats a hospital
 * provides (EHR CSV, PNG/DICOM images with a manifest, expression TSV, labels CSV, site.yaml).
 * Same options and seed → byte-identical files. Refuses a non-empty folder it did not create.
 * @example const fed = await generate({ outDir: '/tmp/fed', seed: 1 }); await loadSite({ config: fed.sites[0].config });
 */
export function generate(options: GenerateOptions): Promise<GeneratedFederation> {
  try {
    return Promise.resolve(generateSync(options));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function generateSync(input: GenerateOptions): GeneratedFederation {
  const options = resolveOptions(input);
  const outDir = resolve(options.outDir);
  prepareOutDir(outDir);
  const genes = geneModels({ seed: options.seed, genes: options.genes, moduleSize: options.moduleSize });
  const sites: GeneratedSite[] = planSites(options).map((plan) => {
    const dir = join(outDir, plan.name);
    const patients = drawSitePatients(plan, options);
    const shifts = batchShifts({
      seed: options.seed,
      site: plan.index,
      genes,
      strength: options.batchEffect,
    });
    writeSite({ dir, plan, patients, genes, shifts, options });
    return {
      name: plan.name,
      dir,
      config: join(dir, 'site.yaml'),
      patients: patients.length,
      test: patients.filter((p) => p.split === 'test').length,
      prevalence: plan.prevalence,
      missingRates: plan.missingRates,
      withModality: presenceSummary(patients),
      scanner: plan.scanner,
      orientation: plan.orientation,
    };
  });
  const { outDir: _, ...recorded } = options;
  const summary = {
    generator: 'fedfuse-synthetic/1',
    options: recorded,
    sites: sites.map(({ dir: _d, config: _c, ...s }) => s),
  };
  writeFileSync(join(outDir, SUMMARY), `${JSON.stringify(summary, null, 2)}\n`);
  return { outDir, seed: options.seed, sites };
}

/** Creates the folder, or clears a previous generation's site folders; anything else is refused. */
function prepareOutDir(outDir: string): void {
  if (!existsSync(outDir)) {
    mkdirSync(outDir, { recursive: true });
    return;
  }
  const entries = readdirSync(outDir);
  if (entries.length === 0) return;
  if (!entries.includes(SUMMARY)) {
    throw new Error(`generate: ${outDir} is not empty and holds no ${SUMMARY}; refusing to write into it`);
  }
  const previous = JSON.parse(readFileSync(join(outDir, SUMMARY), 'utf8')) as {
    sites?: { name?: unknown }[];
  };
  for (const site of previous.sites ?? []) {
    if (typeof site.name === 'string' && /^site-\d+$/.test(site.name))
      rmSync(join(outDir, site.name), { recursive: true, force: true });
  }
  rmSync(join(outDir, SUMMARY));
}
