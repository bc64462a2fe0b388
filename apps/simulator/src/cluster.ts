import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_BIN } from '@fedfuse/client/bin-path';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { CoordinatorApi } from './coordinator-api.ts';
import type { HostEvent } from './host-events.ts';
import { MemorySampler, spawnNode, stopChild, waitForLine, type Child } from './processes.ts';
import { startHosts, type PlannedSite } from './site-hosts.ts';
import { TrainingLog } from './training-log.ts';
import { outPaths } from './out-dir.ts';

/** The bins run compiled output; a checkout that was never built gets the fix, not a child's exit code. */
function assertBuilt(role: string, bin: string): void {
  if (!existsSync(bin)) throw new Error(`the ${role} is missing (${bin})`);
  const dist = join(bin, '../../dist');
  if (!existsSync(dist))
    throw new Error(`the ${role} is not built (${dist} is missing): run \`pnpm build\` first`);
}

/** One site to enroll: its name and the `site.yaml` its daemon reads. */
export interface SiteToStart {
  name: string;
  config: string;
  /** A simulated attacker: its daemon poisons every delta (FEDFUSE_SIMULATED_POISON). */
  poison?: 'scaled' | 'random';
}

/** Where the processes keep their state and logs. */
export interface ClusterOptions {
  /** Coordinator data folder (SQLite database, keys, checkpoints). */
  coordinatorDir: string;
  /** Parent of the site daemons' folders. */
  clientsDir: string;
  logsDir: string;
  /** Built dashboard to serve, if any. */
  dashboardDir?: string;
  /** Site host processes: each runs its share of the sites on one shared training worker. */
  concurrency: number;
  log: (line: string) => void;
}

/**
 * A real federation on loopback: the coordinator and a few site host processes as children, each host
 * running many real site daemons (own folder, keys, enrollment token and socket) on one training worker.
 */
export class LocalCluster {
  readonly operatorToken = randomBytes(24).toString('hex');
  readonly trainingLog = new TrainingLog();
  readonly memory: MemorySampler;
  private readonly children: Child[] = [];
  private coordinator: Child | undefined;
  private apiClient: CoordinatorApi | undefined;
  private readonly hosts: Child[] = [];
  private onReady: (site: string) => void = () => {};
  private stopping = false;
  /** Sites whose daemon stopped inside a host that kept running. */
  readonly exitedSites: { site: string; code: number }[] = [];
  /** If the simulator exits without stopping them, the processes it started go with it. */
  private readonly killAll = () => this.children.forEach((c) => c.process.kill('SIGKILL'));

  /** A cluster in the simulator's output layout under `out`: coordinator/, clients/ and logs/. */
  static under(
    out: string,
    options: Omit<ClusterOptions, 'coordinatorDir' | 'clientsDir' | 'logsDir'>,
  ): LocalCluster {
    const paths = outPaths(out);
    return new LocalCluster({
      coordinatorDir: paths.coordinator,
      clientsDir: paths.clients,
      logsDir: paths.logs,
      ...options,
    });
  }

  constructor(private readonly options: ClusterOptions) {
    this.memory = new MemorySampler(() => this.children);
    process.once('exit', this.killAll);
    // The coordinator's folder private from the start (W8): it would otherwise fix it and warn.
    mkdirSync(options.coordinatorDir, { recursive: true, mode: 0o700 });
    for (const dir of [options.clientsDir, options.logsDir]) mkdirSync(dir, { recursive: true });
  }

  get api(): CoordinatorApi {
    if (!this.apiClient) throw new Error('the coordinator is not running');
    return this.apiClient;
  }

  /** The coordinator's process id, e.g. to read its command line. */
  coordinatorPid(): number | undefined {
    return this.coordinator?.pid;
  }

  /** Site host processes a start with enough sites uses. */
  get hostCount(): number {
    return this.options.concurrency;
  }

  /** Starts the coordinator on a free loopback port and waits until it listens. */
  async startCoordinator(): Promise<CoordinatorApi> {
    assertBuilt('coordinator', COORDINATOR_BIN);
    const args = ['--data', this.options.coordinatorDir, '--host', '127.0.0.1', '--port', '0'];
    if (this.options.dashboardDir) args.push('--dashboard', this.options.dashboardDir);
    const child = spawnNode({
      role: 'coordinator',
      script: COORDINATOR_BIN,
      args,
      // W9: in the environment, which only this user can read, not on the command line `ps` shows everyone.
      env: { FEDFUSE_OPERATOR_TOKEN: this.operatorToken },
      logFile: join(this.options.logsDir, 'coordinator.log'),
    });
    this.coordinator = child;
    this.children.push(child);
    this.memory.start();
    const match = await waitForLine(child, { pattern: /listening on (http:\/\/\S+)/, timeoutMs: 120_000 });
    this.apiClient = new CoordinatorApi(match[1]!, this.operatorToken);
    return this.apiClient;
  }

  /**
   * Enrolls and starts every site in `concurrency` site host processes (one shared training worker each),
   * and resolves once every site's handshake was accepted. Each site still enrolls itself with its own
   * one-time token and keys and keeps its own socket.
   */
  async startSites(sites: readonly SiteToStart[]): Promise<void> {
    assertBuilt('site daemon', CLIENT_BIN);
    const planned = await this.withTokens(sites);
    const waiting = new Set(sites.map((s) => s.name));
    let failure: ((err: Error) => void) | undefined;
    const allReady = new Promise<void>((resolve, reject) => {
      failure = reject;
      if (waiting.size === 0) resolve();
      this.onReady = (site) => {
        waiting.delete(site);
        const done = sites.length - waiting.size;
        if (sites.length > 5 && (done % 10 === 0 || waiting.size === 0))
          this.options.log(`  ${done}/${sites.length} sites connected`);
        if (waiting.size === 0) resolve();
      };
    });
    const hosts = startHosts(planned, {
      coordinatorUrl: this.api.url,
      logsDir: this.options.logsDir,
      hosts: this.options.concurrency,
      perHostConcurrency: SITES_STARTING_PER_HOST,
      env: CLIENT_ENV,
      onEvent: (event, host) => this.onHostEvent(event, host, failure!),
    });
    this.hosts.push(...hosts);
    this.children.push(...hosts);
    for (const host of hosts)
      void host.exited.then((code) => {
        if (waiting.size > 0)
          failure!(new Error(`${host.role} exited (${code}) before its sites connected:\n${host.tail()}`));
      });
    await withTimeout(
      allReady,
      300_000 + sites.length * 3_000,
      () => `sites still not connected: ${[...waiting].slice(0, 5).join(', ')}`,
    );
  }

  /** One token per site from the operator API, a few requests at a time. */
  private async withTokens(sites: readonly SiteToStart[]): Promise<PlannedSite[]> {
    const planned: PlannedSite[] = [];
    for (let i = 0; i < sites.length; i += TOKENS_AT_ONCE) {
      const batch = sites.slice(i, i + TOKENS_AT_ONCE);
      const tokens = await Promise.all(batch.map((s) => this.api.createToken(s.name)));
      batch.forEach((site, k) =>
        planned.push({
          name: site.name,
          dir: join(this.options.clientsDir, site.name),
          data: site.config,
          token: tokens[k]!,
          ...(site.poison ? { poison: site.poison } : {}),
        }),
      );
    }
    return planned;
  }

  private onHostEvent(event: HostEvent, host: string, fail: (err: Error) => void): void {
    if (event.kind === 'ready') this.onReady(event.site);
    else if (event.kind === 'log') this.trainingLog.record(event.site, event.line, host);
    else if (event.kind === 'failed') fail(new Error(`site ${event.site} could not start: ${event.message}`));
    else {
      this.exitedSites.push({ site: event.site, code: event.code });
      if (!this.stopping)
        this.options.log(`site ${event.site} stopped (exit code ${event.code}); the other sites carry on`);
    }
  }

  /** The site host processes still running (a host that exits mid-run is reported by the caller). */
  daemons(): Child[] {
    return [...this.hosts];
  }

  /** Stops the site hosts (the coordinator keeps serving). */
  async stopDaemons(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.hosts.map((c) => stopChild(c, 15_000)));
  }

  /** Samples peak memory one last time, then stops the daemons and the coordinator. */
  async stop(): Promise<void> {
    this.memory.stop();
    await this.stopDaemons();
    if (this.coordinator) await stopChild(this.coordinator);
    process.off('exit', this.killAll);
  }
}

/** The daemons share two cores with everything else: give acknowledgements time. */
const CLIENT_ENV = { FEDFUSE_ACK_TIMEOUT_MS: '120000' };
/** Sites of one host enrolling and loading their data at once (the loading is queued in its worker). */
const SITES_STARTING_PER_HOST = 8;
/** Enrollment tokens asked of the coordinator at once. */
const TOKENS_AT_ONCE = 16;

/** `promise`, or a rejection naming what is still missing once `ms` have passed. */
async function withTimeout<T>(promise: Promise<T>, ms: number, missing: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${missing()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
