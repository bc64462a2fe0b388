import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_DIST } from './dist-dir.js';

/** The dashboard's package folder. */
const dashboardRoot = fileURLToPath(new URL('.', import.meta.url));

const SOURCES = ['index.html', 'vite.config.ts', 'package.json', 'src'];

/** Newest modification time (ms) of a file, or of any file below a folder. */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether dist/ is missing or older than any source file. */
function dashboardIsStale(): boolean {
  const index = join(DASHBOARD_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((source) => {
    const path = join(dashboardRoot, source);
    return existsSync(path) && newestMtime(path) > built;
  });
}

let building: Promise<string> | undefined;

/**
 * Builds the dashboard with vite when dist/ is missing or stale, and returns the dist folder to serve.
 * Builds into a private folder and renames it into place, so a coordinator starting concurrently (or a
 * second process building at the same time) never serves a half-written dist/.
 *
 * @example
 * const coordinator = await startCoordinator({ ...settings, dashboardDir: await ensureDashboardBuilt() });
 */
export function ensureDashboardBuilt(options: { force?: boolean } = {}): Promise<string> {
  if (!options.force && !dashboardIsStale()) return Promise.resolve(DASHBOARD_DIST);
  building ??= buildIntoPlace().finally(() => (building = undefined));
  return building;
}

async function buildIntoPlace(): Promise<string> {
  const { build } = await import('vite');
  const staging = join(dashboardRoot, `.dist-${process.pid}-${Date.now()}`);
  try {
    await build({
      configFile: join(dashboardRoot, 'vite.config.ts'),
      root: dashboardRoot,
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    const retired = `${staging}-old`;
    if (existsSync(DASHBOARD_DIST)) renameSync(DASHBOARD_DIST, retired);
    try {
      renameSync(staging, DASHBOARD_DIST);
    } catch (error) {
      // Another process moved its fresh build into place first; theirs is as good as ours.
      if (!existsSync(join(DASHBOARD_DIST, 'index.html'))) throw error;
    }
    rmSync(retired, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return DASHBOARD_DIST;
}
