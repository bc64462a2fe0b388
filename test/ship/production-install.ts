import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Build and test tools: none of them may reach a production install. */
export const TOOLCHAIN = ['tsx', 'typescript', 'esbuild', 'vite', 'vitest', '@swc/core', 'unplugin-swc'];

/** The coordinator's server and database stack, which the site daemon's install must not carry. */
export const SERVER_STACK = ['@nestjs/core', 'socket.io', 'better-sqlite3', 'pg', 'kysely', 'express'];

const run = promisify(execFile);

/** The pnpm the workspace pins (`packageManager`), run through npx so the test needs no global pnpm. */
function pnpmCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    packageManager: string;
  };
  return ['-y', manifest.packageManager.split('+')[0]!];
}

/**
 * `pnpm deploy --prod` of one workspace package into `dir`: its files (bin, dist), its workspace
 * dependencies injected as their packed form (dist only) and its production dependencies, nothing else.
 * Optional dependencies (the native TensorFlow backends) are left out, as in the default images.
 */
export async function deployProduction(options: {
  name: string;
  dir: string;
  timeoutMs: number;
}): Promise<void> {
  const args = [
    '--filter',
    options.name,
    'deploy',
    '--prod',
    '--no-optional',
    '--prefer-offline',
    options.dir,
  ];
  await run('npx', [...pnpmCommand(), ...args], { cwd: REPO_ROOT, timeout: options.timeoutMs });
}

/** Every package name in a pnpm install's virtual store, e.g. `@nestjs/core`, `zod`. */
export function installedPackages(dir: string): Set<string> {
  const store = join(dir, 'node_modules/.pnpm');
  if (!existsSync(store)) throw new Error(`${store} is missing: not a pnpm install`);
  const names = new Set<string>();
  for (const entry of readdirSync(store)) {
    const match = /^(@?[^@]+)@/.exec(entry);
    if (match) names.add(match[1]!.replace('+', '/'));
  }
  return names;
}
