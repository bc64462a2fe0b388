import { loadSite } from '../align/load-site.ts';
import type { SiteData } from '../align/site-data.ts';
import { generate } from '../synthetic/generate.ts';
import type { GenerateOptions } from '../synthetic/options.ts';

/** Generates a federation and loads every site the default way (local statistics). */
export async function generateAndLoad(options: GenerateOptions): Promise<SiteData[]> {
  const fed = await generate(options);
  const sites: SiteData[] = [];
  for (const s of fed.sites) sites.push(await loadSite({ config: s.config }));
  return sites;
}
