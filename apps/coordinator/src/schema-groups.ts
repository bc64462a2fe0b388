import type { SiteDataSchema } from '@fedfuse/protocol';

/** An approved site and the data schema it last reported. */
export interface ReportedSite {
  id: string;
  name: string;
  schema: SiteDataSchema;
}

const SHOWN_NAMES = 8;

/** Sites grouped by `key` of their schema, the largest group first (ties: first enrolled first). */
export function groupSites(
  sites: readonly ReportedSite[],
  key: (schema: SiteDataSchema) => string,
): ReportedSite[][] {
  const groups = new Map<string, ReportedSite[]>();
  for (const site of sites) {
    const k = key(site.schema);
    groups.set(k, [...(groups.get(k) ?? []), site]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

/** `"Site A", "Site B"`: how a message names sites. */
export function quoteSites(sites: readonly ReportedSite[]): string {
  return sites.map((s) => `"${s.name}"`).join(', ');
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, SHOWN_NAMES).join(', ');
  return names.length > SHOWN_NAMES ? `${shown} and ${names.length - SHOWN_NAMES} more` : shown;
}

/**
 * How each minority group's EHR columns differ from the largest group's: extra and missing columns (a
 * different level shows as `name=level`), a different order, or, where names were too many to send, the width.
 */
export function describeEhrDifference(groups: readonly ReportedSite[][]): string {
  const [reference, ...others] = groups;
  const ref = reference![0]!.schema.ehr!;
  const parts = others.map((group) => {
    const ehr = group[0]!.schema.ehr!;
    const who = quoteSites(group);
    const verb = group.length > 1 ? 'have' : 'has';
    if (!ref.names || !ehr.names)
      return `${who} ${group.length > 1 ? 'encode' : 'encodes'} ${ehr.dim} columns (hash ${ehr.namesHash.slice(0, 12)})`;
    const extra = ehr.names.filter((n) => !ref.names!.includes(n));
    const missing = ref.names.filter((n) => !ehr.names!.includes(n));
    const said: string[] = [];
    if (extra.length > 0) said.push(`${verb} extra column(s) ${listNames(extra)}`);
    if (missing.length > 0) said.push(`${group.length > 1 ? 'lack' : 'lacks'} ${listNames(missing)}`);
    if (said.length === 0) said.push(`${verb} the same columns in a different order`);
    return `${who} ${said.join(' and ')}`;
  });
  return `${parts.join('; ')}, compared with ${quoteSites(reference!)} (${ref.dim} columns)`;
}
