import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { RunningCoordinator } from '../coordinator.ts';
import { startCoordinator } from '../coordinator.ts';
import { loadSettings } from '../env.ts';
import type { Clock } from '../services/clock.ts';

/** A model small enough that tests build and aggregate it in milliseconds. */
export const tinyModel = {
  ehrDim: 4,
  genomicsDim: 8,
  imageShape: [8, 8, 1],
  convFilters: [2],
  d: 4,
  ehrHidden: 4,
  genomicsHidden: 4,
  headHidden: 4,
  tasks: ['cancer', 'cardiac'],
};

export interface Harness {
  coordinator: RunningCoordinator;
  dataDir: string;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** Starts a real coordinator on a free loopback port with its own data directory. */
export async function startHarness(
  options: { dataDir?: string; databaseUrl?: string; lastSeenWriteMs?: number; clock?: Clock } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fedfuse-coord-'));
  const settings = loadSettings(
    {
      dataDir,
      port: '0',
      tickMs: '100',
      databaseUrl: options.databaseUrl,
      lastSeenWriteMs: options.lastSeenWriteMs?.toString(),
      operatorToken: 'test-operator-token-0123456789',
    },
    {},
  );
  const coordinator = await startCoordinator(settings, { logger: false, clock: options.clock });
  return {
    coordinator,
    dataDir,
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${coordinator.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${coordinator.operatorToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    close: () => coordinator.close(),
  };
}

/**
 * Polls `check` every 50 ms until it returns a value, for at most `timeoutMs`. Built on `vi.waitFor`, so
 * under `vi.useFakeTimers()` each poll advances the fake clock instead of waiting on the wall clock.
 */
export function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (value === undefined || value === false) throw new Error(`condition not met within ${timeoutMs} ms`);
      return value;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}
