import { join } from 'node:path';
import { runCli, SiteDaemon } from '@fedfuse/client';
import { captureIo } from '@fedfuse/client/testing/capture-io';
import type { MemoryLog } from '@fedfuse/client/testing/memory-log';
import { memoryLog } from '@fedfuse/client/testing/memory-log';
import { writeTinySite } from '@fedfuse/client/testing/tiny-site';

/** Quick retries, so a site notices the operator's approval within a fraction of a second. */
const TIMING = {
  reconnectDelayMs: 100,
  reconnectDelayMaxMs: 500,
  handshakeBackoffMs: 100,
  handshakeBackoffMaxMs: 400,
  ackTimeoutMs: 10_000,
};

/**
 * A hospital as its administrator runs it: a synthetic site folder, `fedfuse-client init` and `enroll`
 * with the operator's token, then the site daemon (in this process, training in its worker thread).
 */
export class RealSite {
  readonly log: MemoryLog = memoryLog();
  private daemon?: SiteDaemon;

  private constructor(
    readonly name: string,
    readonly dir: string,
  ) {}

  /** Writes the site's data and runs `fedfuse-client init`. */
  static async create(root: string, options: { name: string; seed: number }): Promise<RealSite> {
    const site = new RealSite(options.name, join(root, options.name.replaceAll(' ', '-')));
    const data = await writeTinySite(join(site.dir, 'data'), { patients: 48, seed: options.seed });
    await site.cli(['init', '--dir', site.dir, '--name', options.name, '--data', data]);
    return site;
  }

  /** `fedfuse-client enroll`; returns the site fingerprint it prints for the operator to compare. */
  async enroll(coordinatorUrl: string, token: string): Promise<{ fingerprint: string; output: string }> {
    const output = await this.cli([
      'enroll',
      '--dir',
      this.dir,
      '--coordinator',
      coordinatorUrl,
      '--token',
      token,
    ]);
    const fingerprint = /Site fingerprint:\s+([0-9a-f ]+)/.exec(output)?.[1]?.trim();
    if (!fingerprint) throw new Error(`enroll printed no site fingerprint:\n${output}`);
    return { fingerprint, output };
  }

  /** `fedfuse-client start` on the wasm backend. */
  async start(): Promise<void> {
    this.daemon = await SiteDaemon.start({
      dir: this.dir,
      backend: 'wasm',
      log: this.log.log,
      timing: TIMING,
    });
  }

  /** The daemon's log lines with `msg`, e.g. `waiting for the operator`. */
  logged(msg: string): Record<string, unknown>[] {
    return this.log.entries().filter((e) => e.msg === msg);
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
  }

  private async cli(argv: string[]): Promise<string> {
    const io = captureIo(this.dir);
    const code = await runCli(argv, io);
    if (code !== 0) throw new Error(`fedfuse-client ${argv[0]} exited ${code}: ${io.err()}`);
    return io.out();
  }
}
