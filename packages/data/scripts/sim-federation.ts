// The federation `fedfuse-sim run` generates with its defaults (apps/simulator: 3 sites, 32×32 images,
// 500 genes, missing-modality rates × 0.25), for the measurement scripts beside this file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generate,
  loadSite,
  type GeneratedFederation,
  type ImageFamily,
  type SiteData,
} from '../src/index.ts';

/** Generates the simulator's default federation into `dir` and loads every site as its daemon would. */
export async function simulatorFederation(o: {
  dir: string;
  seed: number;
  family: ImageFamily;
  patientsPerSite: number;
}): Promise<{ federation: GeneratedFederation; sites: SiteData[] }> {
  const federation = await generate({
    outDir: o.dir,
    seed: o.seed,
    patientsPerSite: o.patientsPerSite,
    imageSize: 32,
    imageFamily: o.family,
    genes: 500,
    moduleSize: 50,
    missingRates: { ehr: [0, 0.02], imaging: [0.0375, 0.1], genomics: [0.05, 0.1125] },
  });
  const sites: SiteData[] = [];
  for (const s of federation.sites) sites.push(await loadSite({ config: s.config }));
  return { federation, sites };
}

/** The simulator's default federation for `seed`, in a temporary folder removed after `use`. */
export async function withSimulatorFederation(
  o: { seed: number; family: ImageFamily; patientsPerSite: number },
  use: (sites: SiteData[]) => void,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fedfuse-federation-'));
  try {
    use((await simulatorFederation({ dir, ...o })).sites);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
