import { access } from 'node:fs/promises';

import { enrollCommand } from '../cli/enroll-command.ts';
import { initCommand } from '../cli/init-command.ts';
import type { CliIo, OutStream } from '../cli/cli-io.ts';
import type { ConnectionTiming } from '../daemon/connection.ts';
import { SiteDaemon } from '../daemon/site-daemon.ts';
import type { ClientEnv } from '../env.ts';
import type { ExitCode } from '../errors.ts';
import type { PoisonKind } from '../fl/poison.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { sitePaths } from '../store/site-paths.ts';
import { SharedTrainer } from '../trainer/shared-trainer.ts';

/** One site a host runs: its own folder, data, one-time token and (simulation only) attack. */
export interface HostedSite {
  name: string;
  /** The site folder; created with a fresh identity unless it holds one already. */
  dir: string;
  /** The site's data config (`site.yaml`). */
  data: string;
  /** The operator's one-time enrollment token; unused once the folder is enrolled. */
  token: string;
  poison?: PoisonKind;
}

/** How a host runs its sites. */
export interface SiteHostOptions {
  coordinatorUrl: string;
  backend: string;
  env: ClientEnv;
  /** Where a site's log lines (JSON) go. */
  siteLog: (site: string) => OutStream;
  /** The host's own messages. */
  log: Logger;
  /** Sites enrolling and loading their data at once. */
  concurrency: number;
  /** Called once per site when its daemon stops, with its exit code (others keep running). */
  onSiteExit?: (site: string, code: ExitCode) => void;
}

/**
 * Many site daemons in one process: each enrolls itself with its own token and keys, keeps its own folder
 * and socket, and seals its own deltas; all share one training worker (one tfjs runtime), which trains
 * them in turn. One site failing stops that site only.
 */
export class SiteHost {
  private readonly daemons = new Map<string, SiteDaemon>();

  private constructor(
    private readonly trainer: SharedTrainer,
    private readonly options: SiteHostOptions,
  ) {}

  static async start(options: SiteHostOptions): Promise<SiteHost> {
    const trainer = await SharedTrainer.start({ backend: options.backend, log: options.log });
    return new SiteHost(trainer, options);
  }

  /**
   * Enrolls (where needed) and starts every site, `concurrency` at a time. Resolves with the sites that
   * could not start and why; the others are running.
   */
  async add(sites: readonly HostedSite[]): Promise<{ site: string; error: string }[]> {
    const failed: { site: string; error: string }[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < sites.length) {
        const site = sites[next++]!;
        await this.startSite(site).catch((err: unknown) =>
          failed.push({ site: site.name, error: err instanceof Error ? err.message : String(err) }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, worker));
    return failed;
  }

  /** Stops every daemon, then the shared worker. */
  async stop(): Promise<void> {
    await Promise.all([...this.daemons.values()].map((d) => d.stop()));
    await this.trainer.close();
  }

  private async startSite(site: HostedSite): Promise<void> {
    if (this.daemons.has(site.name)) throw new Error(`site ${site.name} is already running in this host`);
    const stream = this.options.siteLog(site.name);
    const io = this.siteIo(site, stream);
    const paths = sitePaths(site.dir);
    if (!(await exists(paths.keyFile)))
      await initCommand({ dir: site.dir, name: site.name, data: site.data }, io);
    if (!(await exists(paths.enrollment)))
      await enrollCommand({ coordinator: this.options.coordinatorUrl, dir: site.dir }, io);
    const trainer = this.trainer.forSite(site.name);
    const { env } = this.options;
    const timing: ConnectionTiming = {
      reconnectDelayMs: env.FEDFUSE_RECONNECT_DELAY_MS,
      reconnectDelayMaxMs: env.FEDFUSE_RECONNECT_DELAY_MAX_MS,
      handshakeBackoffMs: env.FEDFUSE_HANDSHAKE_BACKOFF_MS,
      handshakeBackoffMaxMs: env.FEDFUSE_HANDSHAKE_BACKOFF_MAX_MS,
      ackTimeoutMs: env.FEDFUSE_ACK_TIMEOUT_MS,
    };
    const daemon = await SiteDaemon.start({
      dir: site.dir,
      log: createLogger({ format: 'json', stream }),
      timing,
      poison: site.poison,
      trainer,
    }).catch(async (err: unknown) => {
      await trainer.close();
      throw err;
    });
    this.daemons.set(site.name, daemon);
    void daemon.exited.then(async (code) => {
      this.daemons.delete(site.name);
      await trainer.close();
      this.options.onSiteExit?.(site.name, code);
    });
  }

  /** The site's commands read its token from the environment, as `FEDFUSE_ENROLLMENT_TOKEN` (W9). */
  private siteIo(site: HostedSite, stream: OutStream): CliIo {
    return {
      stdout: stream,
      stderr: stream,
      env: { ...this.options.env, FEDFUSE_ENROLLMENT_TOKEN: site.token },
      cwd: process.cwd(),
    };
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
