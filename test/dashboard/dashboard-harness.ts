import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '@fedfuse/protocol';
import type { RunningCoordinator } from '@fedfuse/coordinator/coordinator';
import { startCoordinator } from '@fedfuse/coordinator/coordinator';
import { loadSettings } from '@fedfuse/coordinator/env';
import { waitFor } from '@fedfuse/coordinator/testing/harness';
import { ensureDashboardBuilt } from '@fedfuse/dashboard/build';
import type { HeadlessChromium, Page } from '@fedfuse/dashboard/testing/browser';
import { launchChromium } from '@fedfuse/dashboard/testing/browser';
import { installProbes, seenAt } from './page-probes.ts';

export const OPERATOR_TOKEN = 'dashboard-test-operator-token-0123';

/**
 * A real coordinator serving the built dashboard, and headless Chromium on it: the page, the REST API
 * as the operator, and a record of how long events took from the coordinator to the screen.
 */
export class DashboardHarness {
  readonly delays: { event: string; ms: number }[] = [];
  /** Page errors and console errors; a test clears the ones it provoked on purpose. */
  readonly pageErrors: string[] = [];

  readonly root: string;
  readonly page: Page;
  coordinator: RunningCoordinator;
  private readonly dist: string;
  private readonly chromium: HeadlessChromium;

  private constructor(parts: {
    root: string;
    dist: string;
    coordinator: RunningCoordinator;
    chromium: HeadlessChromium;
    page: Page;
  }) {
    ({ root: this.root, dist: this.dist, coordinator: this.coordinator } = parts);
    ({ chromium: this.chromium, page: this.page } = parts);
  }

  static async start(options: { screenshots: string }): Promise<DashboardHarness> {
    const dist = await ensureDashboardBuilt();
    const root = mkdtempSync(join(tmpdir(), 'fedfuse-dashboard-test-'));
    const coordinator = await startCoordinator(settings(root, dist, 0), { logger: false });
    const chromium = await launchChromium({ viewport: { width: 1366, height: 768 } });
    const page = await chromium.context.newPage();
    const harness = new DashboardHarness({ root, dist, coordinator, chromium, page });
    page.on('pageerror', (error) => harness.pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // While the coordinator restarts, Chromium logs the refused websocket; that is the point of that check.
      if (message.type() === 'error' && !message.text().includes('WebSocket connection'))
        harness.pageErrors.push(`console: ${message.text()} (${message.location().url})`);
    });
    await installProbes(page);
    mkdirSync(options.screenshots, { recursive: true });
    return harness;
  }

  /** Calls the REST API with the operator token; non-2xx answers throw. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.coordinator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** The newest audit entry for `action` (and `subject`), as the coordinator recorded it. */
  audited(action: string, subject?: string): Promise<AuditEntry> {
    return waitFor(async () => {
      const entries = await this.api<AuditEntry[]>('GET', `/api/audit?action=${action}&limit=50`);
      return entries.find((e) => e.action === action && (subject === undefined || e.subject === subject));
    });
  }

  /** Records how long after `recordedAt` (coordinator clock) the page painted the watched element. */
  async measure(event: string, watched: string, recordedAt: number): Promise<void> {
    const ms = (await seenAt(this.page, watched)) - recordedAt;
    this.delays.push({ event, ms: Math.round(ms) });
  }

  /** Navigates inside the single-page app. */
  async open(hash: string): Promise<void> {
    await this.page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  }

  /** A full-page screenshot from the top of the page. */
  async screenshot(path: string): Promise<void> {
    await this.page.evaluate('window.scrollTo(0, 0)');
    await this.page.screenshot({ path, fullPage: true });
  }

  /** Stops the coordinator; `restart` brings it back on the same port and data. */
  async stopCoordinator(): Promise<number> {
    const port = this.coordinator.port;
    await this.coordinator.close();
    return port;
  }

  async restartCoordinator(port: number): Promise<void> {
    this.coordinator = await startCoordinator(settings(this.root, this.dist, port), { logger: false });
  }

  async close(): Promise<void> {
    await this.chromium.close();
    await this.coordinator.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

function settings(root: string, dist: string, port: number) {
  return loadSettings(
    {
      dataDir: join(root, 'coordinator'),
      port: String(port),
      tickMs: '100',
      operatorToken: OPERATOR_TOKEN,
      dashboardDir: dist,
    },
    {},
  );
}
