// Writes a generated federation's model tensors (each site's train and test batch, normalized with the
// pooled statistics) as raw little-endian files plus meta.json, for the Python studies beside this file.
// Usage: npx tsx packages/data/scripts/model-gap/dump-federation.ts SITES_DIR OUT_DIR
//   SITES_DIR: a fedfuse-sim run's `sites/` folder (or any folder of site-*/site.yaml)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFeatureStats, loadSite, mergeFeatureStats, type SiteData } from '../../src/index.ts';

const [sitesDir, outDir] = process.argv.slice(2);
if (!sitesDir || !outDir) throw new Error('usage: dump-federation.ts SITES_DIR OUT_DIR');
mkdirSync(outDir, { recursive: true });

const sites: SiteData[] = [];
for (const name of readdirSync(sitesDir)
  .filter((d) => d.startsWith('site-'))
  .sort())
  sites.push(await loadSite({ config: join(sitesDir, name, 'site.yaml') }));
const pooled = mergeFeatureStats(sites.map((s) => s.localStats));
for (const site of sites) applyFeatureStats(site, pooled);

const meta = sites.flatMap((site, index) =>
  (['train', 'test'] as const).map((split) => {
    const batch = site[split].batch;
    for (const key of ['ehr', 'image', 'genomics', 'present', 'labels'] as const) {
      const a = batch[key];
      writeFileSync(
        join(outDir, `s${index}-${split}-${key}.bin`),
        Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      );
    }
    return {
      site: index,
      split,
      n: batch.n,
      ehr: site.ehrFeatureNames.length,
      genes: site.genes.length,
      image: site.imageShape,
      tasks: site.tasks,
    };
  }),
);
writeFileSync(join(outDir, 'meta.json'), JSON.stringify(meta, null, 2));
console.log(`${sites.length} sites written to ${outDir}`);
