import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

export type { BrowserContext, Page } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install chromium`); playwright's own download is never used. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Whether browser tests can run. CI (FEDFUSE_REQUIRE_BROWSER=1) must run them, so a missing Chromium is
 * an error there; a newcomer's machine without it skips them, loudly.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true' || process.env.FEDFUSE_REQUIRE_BROWSER === '1')
    throw new Error(
      `Chromium is required here (CI) but ${CHROMIUM_PATH} does not exist: apt-get install chromium`,
    );
  console.warn(`Browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
  return false;
}

export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts the system Chromium headless with a fresh profile (its own --user-data-dir, deleted on close)
 * and no background traffic, for browser tests.
 *
 * @example
 * const chromium = await launchChromium({ viewport: { width: 1366, height: 768 } });
 * const page = await chromium.context.newPage();
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number }; executablePath?: string } = {},
): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'fedfuse-chromium-'));
  // Playwright sets --user-data-dir itself from the first argument; passing it in `args` is refused.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executablePath ?? CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: options.viewport ?? { width: 1366, height: 768 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
