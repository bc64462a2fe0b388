import { afterEach } from 'vitest';
import type { Harness } from './harness.ts';
import { startHarness } from './harness.ts';
import { enrolledSite } from './enrolled-site.ts';
import type { TestSite } from './test-site.ts';

/**
 * A fresh coordinator per test and enrolled test sites, all closed after each test (registers the
 * afterEach of the calling test file).
 */
export function perTestHarness(): {
  start: () => Promise<Harness>;
  site: (h: Harness, name: string) => Promise<TestSite>;
} {
  let harness: Harness | undefined;
  const sites: TestSite[] = [];
  afterEach(async () => {
    sites.splice(0).forEach((s) => s.close());
    await harness?.close();
    harness = undefined;
  });
  return {
    start: async () => (harness = await startHarness()),
    site: (h, name) => enrolledSite(h, name, sites),
  };
}
