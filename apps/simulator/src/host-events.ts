import { z } from 'zod';

// A site host (`fedfuse-sim site-host`) and the simulator talk through the host's stdin and stdout: the
// plan of sites arrives as one JSON document on stdin (tokens never on a command line, W9), and the host
// answers with one event per line.

/** One site the host runs. */
const HostedSite = z.object({
  name: z.string().min(1),
  dir: z.string().min(1),
  data: z.string().min(1),
  token: z.string().min(1),
  poison: z.enum(['scaled', 'random']).optional(),
});

/** What a host is told to do. */
export const HostPlan = z.object({
  coordinatorUrl: z.url(),
  logsDir: z.string().min(1),
  /** Sites enrolling and loading data at once within the host. */
  concurrency: z.int().min(1),
  sites: z.array(HostedSite).min(1),
});
export type HostPlan = z.infer<typeof HostPlan>;

const HostEvent = z.discriminatedUnion('kind', [
  /** The site's handshake was accepted: it is a connected peer. */
  z.object({ kind: z.literal('ready'), site: z.string() }),
  /** The site could not enroll or start. */
  z.object({ kind: z.literal('failed'), site: z.string(), message: z.string() }),
  /** The site's daemon stopped (the host's other sites keep running). */
  z.object({ kind: z.literal('exited'), site: z.string(), code: z.int() }),
  /** A log line of the site the simulator reads (training times, errors). */
  z.object({ kind: z.literal('log'), site: z.string(), line: z.string() }),
]);
export type HostEvent = z.infer<typeof HostEvent>;

const PREFIX = '@site-host ';

/** The line a host prints for an event. */
export function formatHostEvent(event: HostEvent): string {
  return `${PREFIX}${JSON.stringify(event)}`;
}

/** The event on a host's output line, or undefined for any other line. */
export function parseHostEvent(line: string): HostEvent | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  try {
    const parsed = HostEvent.safeParse(JSON.parse(line.slice(PREFIX.length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
