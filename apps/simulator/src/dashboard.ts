import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_DIST } from '@fedfuse/dashboard/dist-dir';

/**
 * The folder of the built operator dashboard for the coordinator to serve; undefined with the reason when
 * it was never built (`pnpm build` builds it), since the simulator works without a dashboard.
 */
export function findDashboard(distDir: string = DASHBOARD_DIST): { dir?: string; reason?: string } {
  if (existsSync(join(distDir, 'index.html'))) return { dir: distDir };
  return { reason: `${distDir} is not built: run \`pnpm build\`` };
}
