/**
 * Each site's stable key: its name, which survives a re-enrollment (the id does not), so seeds, sampling
 * and aggregation order are the same in every run of the same federation. Two sites sharing a name (the
 * registry does not yet refuse it) fall back to name and id, which is not stable across re-enrollments.
 */
export function stableSiteKeys(sites: readonly { id: string; name: string }[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const { name } of sites) count.set(name, (count.get(name) ?? 0) + 1);
  return new Map(sites.map(({ id, name }) => [id, count.get(name) === 1 ? name : `${name}#${id}`]));
}

/** `items` ordered by their site's stable key (float sums then do not depend on arrival order). */
export function byStableKey<T extends { site_id: string }>(
  items: readonly T[],
  keys: Map<string, string>,
): T[] {
  const key = (item: T) => keys.get(item.site_id) ?? item.site_id;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
