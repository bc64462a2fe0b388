import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './cluster.ts';

/**
 * Builds the operator dashboard if this checkout has it (apps/dashboard/build.ts) and returns the folder
 * the coordinator should serve; undefined with the reason when it is not available. Loaded by path at run
 * time: apps do not import each other, and the simulator works without a dashboard.
 */
export async function buildDashboard(): Promise<{ dir?: string; reason?: string }> {
  const script = join(REPO_ROOT, 'apps/dashboard/build.ts');
  if (!existsSync(script)) return { reason: 'this checkout has no apps/dashboard' };
  try {
    const module = (await import(pathToFileURL(script).href)) as {
      ensureDashboardBuilt?: () => Promise<string>;
    };
    if (typeof module.ensureDashboardBuilt !== 'function') {
      return { reason: 'apps/dashboard/build.ts has no ensureDashboardBuilt()' };
    }
    return { dir: await module.ensureDashboardBuilt() };
  } catch (error) {
    return {
      reason: `building it failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  }
}
