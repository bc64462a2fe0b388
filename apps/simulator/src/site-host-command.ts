import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { createLogger, readEnv } from '@fedfuse/client';
import { stopWithParent } from '@fedfuse/log/parent-watch';
import { SiteHost } from '@fedfuse/client/site-host';

import { HostPlan, formatHostEvent, type HostEvent } from './host-events.ts';

/** The site log lines the simulator needs: training times and errors. */
const FORWARDED = new Set(['local training done']);

/**
 * `fedfuse-sim site-host` (internal): runs the sites it reads from stdin in this one process (one shared
 * training worker), each a real site daemon with its own folder, keys, enrollment and socket, until SIGTERM
 * or until the simulator is gone.
 */
export function siteHostCommand(exit: (code: number) => void): Command {
  return new Command('site-host')
    .summary('internal: run many simulated site daemons in one process (plan on stdin)')
    .action(async () => exit(await hostSites(HostPlan.parse(JSON.parse(await readStdin())))));
}

async function hostSites(plan: HostPlan): Promise<number> {
  const emit = (event: HostEvent) => process.stdout.write(`${formatHostEvent(event)}\n`);
  const log = createLogger({ format: 'json', stream: process.stderr });
  let live = plan.sites.length;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const host = await SiteHost.start({
    coordinatorUrl: plan.coordinatorUrl,
    backend: 'auto',
    env: readEnv(),
    concurrency: plan.concurrency,
    log,
    siteLog: (site) => siteLog(join(plan.logsDir, `${site}.log`), site, emit),
    onSiteExit: (site, code) => {
      emit({ kind: 'exited', site, code });
      if (--live === 0) finish();
    },
  });
  process.once('SIGTERM', finish);
  process.once('SIGINT', finish);
  // The simulator gone (even killed outright), nobody reads this host's events: its sites stop too.
  stopWithParent(finish);
  for (const { site, error } of await host.add(plan.sites)) {
    emit({ kind: 'failed', site, message: error });
    if (--live === 0) finish();
  }
  await finished;
  await host.stop();
  return 0;
}

/** A site's log: every line to its file; its handshake and the lines the simulator reads as events. */
function siteLog(file: string, site: string, emit: (event: HostEvent) => void): Writable {
  const out = createWriteStream(file, { flags: 'a' });
  let ready = false;
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.write(chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseLine(line);
        if (!entry) continue;
        if (!entry.msg) continue;
        if (!ready && entry.msg === 'handshake accepted') {
          ready = true;
          emit({ kind: 'ready', site });
        }
        if (FORWARDED.has(entry.msg) || entry.level === 'error') emit({ kind: 'log', site, line });
      }
      callback();
    },
    final(callback) {
      out.end(callback);
    },
  });
}

function parseLine(line: string): { msg?: string; level?: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as { msg?: string; level?: string };
  } catch {
    return undefined;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
