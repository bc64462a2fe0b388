import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_BIN } from '@fedfuse/client/bin-path';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { CoordinatorApi } from './coordinator-api.ts';
import { MemorySampler, runNode, spawnNode, stopChild, waitForLine, type Child } from './processes.ts';
import { TrainingLog } from './training-log.ts';

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
  /** How many site daemons start at once (their start-up is CPU-bound). */
  concurrency: number;
  log: (line: string) => void;
}

/**
 * A real federation on loopback: the coordinator and one site daemon per site as child processes,
 * each site enrolled with its own one-time token exactly as an operator and a site administrator would.
 */
export class LocalCluster {
  readonly operatorToken = randomBytes(24).toString('hex');
  readonly trainingLog = new TrainingLog();
  readonly memory: MemorySampler;
  private readonly children: Child[] = [];
  private coordinator: Child | undefined;
  private apiClient: CoordinatorApi | undefined;
  /** If the simulator exits without stopping them, the processes it started go with it. */
  private readonly killAll = () => this.children.forEach((c) => c.process.kill('SIGKILL'));

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

  /** Enrolls and starts every site's daemon, `concurrency` at a time, each until its handshake succeeds. */
  async startSites(sites: readonly SiteToStart[]): Promise<void> {
    assertBuilt('site daemon', CLIENT_BIN);
    let next = 0;
    let started = 0;
    const worker = async (): Promise<void> => {
      while (next < sites.length) {
        const site = sites[next++]!;
        await this.startSite(site);
        started++;
        if (sites.length > 5 && (started % 10 === 0 || started === sites.length)) {
          this.options.log(`  ${started}/${sites.length} site daemons connected`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, sites.length) }, worker));
  }

  private async startSite(site: SiteToStart): Promise<void> {
    const dir = join(this.options.clientsDir, site.name);
    const logFile = join(this.options.logsDir, `${site.name}.log`);
    const token = await this.api.createToken(site.name);
    const env = site.poison ? { ...CLIENT_ENV, FEDFUSE_SIMULATED_POISON: site.poison } : CLIENT_ENV;
    const common = { script: CLIENT_BIN, logFile, env };
    await runNode({
      ...common,
      role: `${site.name} init`,
      args: ['init', '--dir', dir, '--name', site.name, '--data', site.config],
    });
    await runNode({
      ...common,
      role: `${site.name} enroll`,
      args: ['enroll', '--coordinator', this.api.url, '--dir', dir],
      // W9: the token travels in the environment, not on a command line every local user can read.
      env: { ...CLIENT_ENV, FEDFUSE_ENROLLMENT_TOKEN: token },
    });
    const daemon = spawnNode({ ...common, role: site.name, args: ['start', '--dir', dir, '--log', 'json'] });
    this.children.push(daemon);
    daemon.onLine((line) => this.trainingLog.record(site.name, line));
    await waitForLine(daemon, { pattern: /handshake accepted/, timeoutMs: 180_000 });
  }

  /** The site daemons still running (a daemon that exits mid-run is reported by the caller). */
  daemons(): Child[] {
    return this.children.filter((c) => c !== this.coordinator);
  }

  /** Stops the site daemons (the coordinator keeps serving). */
  async stopDaemons(): Promise<void> {
    await Promise.all(this.daemons().map((c) => stopChild(c)));
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
