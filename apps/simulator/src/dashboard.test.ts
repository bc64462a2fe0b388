import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_DIST } from '@fedfuse/dashboard/dist-dir';
import { afterEach, describe, expect, it } from 'vitest';
import { findDashboard } from './dashboard.ts';

describe(findDashboard.name, () => {
  const roots: string[] = [];
  const tempDir = (): string => {
    const root = mkdtempSync(join(tmpdir(), 'fedfuse-sim-dashboard-'));
    roots.push(root);
    return root;
  };
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('serves the built dist/ without building anything', () => {
    const dist = join(tempDir(), 'dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'index.html'), '<!doctype html>');
    expect(findDashboard(dist)).toEqual({ dir: dist });
  });

  it('names the fix when the dashboard was never built', () => {
    const dist = join(tempDir(), 'dist');
    expect(findDashboard(dist)).toEqual({ reason: `${dist} is not built: run \`pnpm build\`` });
  });

  it('looks by default in the dist/ of the @fedfuse/dashboard package it depends on', () => {
    expect(DASHBOARD_DIST).toMatch(/[/\\]dashboard[/\\]dist$/);
    expect(findDashboard().dir ?? findDashboard().reason).toContain(DASHBOARD_DIST);
  });
});
