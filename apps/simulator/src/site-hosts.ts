import { join } from 'node:path';
import { SIMULATOR_BIN } from './bin-path.ts';
import { parseHostEvent, type HostEvent, type HostPlan } from './host-events.ts';
import { spawnNode, type Child } from './processes.ts';

/** A site with its token, ready to be handed to a host. */
export type PlannedSite = HostPlan['sites'][number];

/** How the sites are spread over host processes. */
export interface HostsOptions {
  coordinatorUrl: string;
  logsDir: string;
  /** Host processes (one per core is enough: each trains its sites in turn). */
  hosts: number;
  /** Sites enrolling and loading data at once within a host. */
  perHostConcurrency: number;
  env: Record<string, string>;
  /** An event of a site, with the role of the host process it runs in. */
  onEvent: (event: HostEvent, host: string) => void;
}

/** Splits `sites` into `count` nearly equal contiguous groups (none empty). */
export function splitSites<T>(sites: readonly T[], count: number): T[][] {
  const groups = Math.max(1, Math.min(count, sites.length));
  return Array.from({ length: groups }, (_, g) =>
    sites.slice(Math.floor((g * sites.length) / groups), Math.floor(((g + 1) * sites.length) / groups)),
  );
}

/** Starts the site host processes, each given its sites (with their tokens) on stdin. */
export function startHosts(sites: readonly PlannedSite[], options: HostsOptions): Child[] {
  return splitSites(sites, options.hosts).map((group, i) => {
    const plan: HostPlan = {
      coordinatorUrl: options.coordinatorUrl,
      logsDir: options.logsDir,
      concurrency: options.perHostConcurrency,
      sites: group,
    };
    const host = spawnNode({
      role: `site-host-${i + 1}`,
      script: SIMULATOR_BIN,
      args: ['site-host'],
      logFile: join(options.logsDir, `site-host-${i + 1}.log`),
      env: options.env,
      input: JSON.stringify(plan),
    });
    host.onLine((line) => {
      const event = parseHostEvent(line);
      if (event) options.onEvent(event, host.role);
    });
    return host;
  });
}
