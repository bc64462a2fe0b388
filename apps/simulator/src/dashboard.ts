import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster.ts';

/**
 * The folder of the built operator dashboard (`pnpm build` writes apps/dashboard/dist) for the coordinator
 * to serve; undefined with the reason when the checkout has none. Found by path, not imported: apps do
 * not import each other, and the simulator works without a dashboard.
 */
export function findDashboard(repoRoot: string = REPO_ROOT): { dir?: string; reason?: string } {
  const dir = join(repoRoot, 'apps/dashboard/dist');
  if (existsSync(join(dir, 'index.html'))) return { dir };
  if (!existsSync(join(repoRoot, 'apps/dashboard'))) return { reason: 'this checkout has no apps/dashboard' };
  return { reason: `${dir} is not built: run \`pnpm build\`` };
}
