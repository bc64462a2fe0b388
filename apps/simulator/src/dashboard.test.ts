import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findDashboard } from './dashboard.ts';

describe(findDashboard.name, () => {
  const roots: string[] = [];
  const checkout = (folders: string[]): string => {
    const root = mkdtempSync(join(tmpdir(), 'fedfuse-sim-dashboard-'));
    roots.push(root);
    for (const folder of folders) mkdirSync(join(root, folder), { recursive: true });
    return root;
  };
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('serves the built dist/ without building anything', () => {
    const root = checkout(['apps/dashboard/dist']);
    writeFileSync(join(root, 'apps/dashboard/dist/index.html'), '<!doctype html>');
    expect(findDashboard(root)).toEqual({ dir: join(root, 'apps/dashboard/dist') });
  });

  it('names the fix when the dashboard was never built', () => {
    const root = checkout(['apps/dashboard/src']);
    expect(findDashboard(root)).toEqual({
      reason: `${join(root, 'apps/dashboard/dist')} is not built: run \`pnpm build\``,
    });
  });

  it('carries on without one in a checkout that has no dashboard', () => {
    expect(findDashboard(checkout(['apps/simulator']))).toEqual({
      reason: 'this checkout has no apps/dashboard',
    });
  });
});
