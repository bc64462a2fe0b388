/** The coordinator's SQLite commits so far, by tables written (`fedfuse_sqlite_commits`); empty for a build without it. */
export async function sqliteCommits(port: number, token: string): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const counts = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^fedfuse_sqlite_commits\{tables="([^"]*)"\} (\d+)$/.exec(line);
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/** Commits per round between two snapshots: total and by tables, most frequent first. */
export function commitsPerRound(
  before: Map<string, number>,
  after: Map<string, number>,
  rounds: number,
): { total: number; byTables: [string, number][] } | undefined {
  if (after.size === 0) return undefined;
  const byTables = [...after]
    .map(([tables, count]): [string, number] => [tables, (count - (before.get(tables) ?? 0)) / rounds])
    .filter(([, perRound]) => perRound > 0)
    .sort((a, b) => b[1] - a[1]);
  return { total: byTables.reduce((sum, [, n]) => sum + n, 0), byTables };
}
