import { resolve } from 'node:path';
import { formatIssues } from '@fedfuse/protocol';
import { z } from 'zod';
import { readSecretFile } from './secret-file.ts';
import { ClientAddresses } from './admission/client-address.ts';

/** The coordinator's settings: flags win over environment variables, which win over defaults. */
export const CoordinatorSettings = z.object({
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port: z.int().min(0).max(65_535),
  /** PostgreSQL connection string; SQLite in dataDir when absent. */
  databaseUrl: z.string().url().optional(),
  /** Operator bearer token for the REST API and dashboard; generated into dataDir when absent. */
  operatorToken: z.string().min(16).optional(),
  /** Browser origins allowed on /ops (the dashboard); sites on /fl never send an Origin. */
  allowedOrigins: z.array(z.string()).default([]),
  /** How often the round loop checks deadlines and schedules. */
  tickMs: z.int().min(10).max(60_000).default(500),
  /** Least time between two writes of one site's last-seen time (activity in between is held back). */
  lastSeenWriteMs: z.int().min(0).max(300_000).default(5_000),
  dashboardDir: z.string().optional(),
  /** File that records every inbound site event (privacy test only). */
  recordInbound: z.string().optional(),
  /** Fault injection for the resilience tests only, e.g. `aggregation:2`. */
  crashAt: z
    .string()
    .regex(/^(selection|training|collection|aggregation|commit):\d+$/)
    .optional(),
  // W9 (issue 13): the operator token from a file instead of the command line; read into operatorToken.
  operatorTokenFile: z.string().min(1).optional(),
  // W1 (issue 13): wrong operator tokens allowed per source address and window before 429.
  operatorAuthLimit: z.int().min(1).max(100_000).default(10),
  operatorAuthWindowMs: z.int().min(100).max(86_400_000).default(60_000),
  // Issue 13, stranger suite (F1, F2, W6): limits and the proxies whose X-Forwarded-For is believed.
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For names the real client; empty: the peer address counts. */
  trustedProxies: z.array(z.string()).default([]),
  /** /fl HTTP requests and refused /fl connections per client address per minute (strangers). */
  strangerRequestsPerMinute: z.int().min(1).max(1_000_000).default(240),
  /** Challenges per enrolled site and client address per minute (a site needs one per connection). */
  siteChallengesPerMinute: z.int().min(1).max(1_000_000).default(120),
  /** Socket messages per authenticated site per minute; past it they are refused, then the site is dropped. */
  siteMessagesPerMinute: z.int().min(1).max(10_000_000).default(3_600),
  /** Window in which identical refusals fold into one counted audit entry and log line. */
  refusalFoldMs: z.int().min(10).max(3_600_000).default(60_000),
  /**
   * How long an idle keep-alive connection stays open. Well above what clients and load balancers idle
   * (60 s on most), so they drop a pooled connection before the coordinator closes it under their next request.
   * At most 290 s: the header timeout (1 s above it) must stay below Node's 300 s request timeout.
   */
  keepAliveTimeoutMs: z.int().min(1_000).max(290_000).default(65_000),
});
export type CoordinatorSettings = z.infer<typeof CoordinatorSettings>;

type Env = Record<string, string | undefined>;

const optionalNumber = (value: string | undefined) => (value ? Number(value) : undefined);

/** Reads settings once from flags and `process.env`; nothing else in the coordinator reads the environment. */
export function loadSettings(
  flags: Partial<Record<keyof CoordinatorSettings, string | undefined>>,
  env: Env,
): CoordinatorSettings {
  const raw = {
    dataDir: resolve(flags.dataDir ?? env.FEDFUSE_DATA_DIR ?? '.fedfuse/coordinator'),
    host: flags.host ?? env.FEDFUSE_HOST ?? '127.0.0.1',
    port: Number(flags.port ?? env.PORT ?? 8080),
    databaseUrl: flags.databaseUrl ?? env.DATABASE_URL ?? undefined,
    operatorToken: operatorToken(flags, env),
    allowedOrigins: (flags.allowedOrigins ?? env.FEDFUSE_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean),
    tickMs: (flags.tickMs ?? env.FEDFUSE_TICK_MS) ? Number(flags.tickMs ?? env.FEDFUSE_TICK_MS) : undefined,
    lastSeenWriteMs: optionalNumber(flags.lastSeenWriteMs ?? env.FEDFUSE_LAST_SEEN_WRITE_MS),
    dashboardDir: flags.dashboardDir ?? env.FEDFUSE_DASHBOARD_DIR ?? undefined,
    crashAt: env.FEDFUSE_CRASH_AT || undefined,
    recordInbound: env.FEDFUSE_RECORD_INBOUND || undefined,
    // W9, W1 (issue 13)
    operatorTokenFile: flags.operatorTokenFile || env.FEDFUSE_OPERATOR_TOKEN_FILE || undefined,
    operatorAuthLimit: optionalNumber(flags.operatorAuthLimit ?? env.FEDFUSE_OPERATOR_AUTH_LIMIT),
    operatorAuthWindowMs: optionalNumber(flags.operatorAuthWindowMs ?? env.FEDFUSE_OPERATOR_AUTH_WINDOW_MS),
    // Issue 13, stranger suite (F1, F2, W6).
    trustedProxies: (env.FEDFUSE_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    strangerRequestsPerMinute: optionalNumber(env.FEDFUSE_STRANGER_REQUESTS_PER_MINUTE),
    siteChallengesPerMinute: optionalNumber(env.FEDFUSE_SITE_CHALLENGES_PER_MINUTE),
    siteMessagesPerMinute: optionalNumber(env.FEDFUSE_SITE_MESSAGES_PER_MINUTE),
    refusalFoldMs: optionalNumber(env.FEDFUSE_REFUSAL_FOLD_MS),
    keepAliveTimeoutMs: optionalNumber(flags.keepAliveTimeoutMs ?? env.FEDFUSE_KEEP_ALIVE_TIMEOUT_MS),
  };
  const parsed = CoordinatorSettings.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Coordinator settings: ${formatIssues(parsed.error.issues.slice(0, 1))}`);
  }
  // Issue 13 (F2): a proxy list entry that is not an address or CIDR stops the start, named.
  try {
    new ClientAddresses(parsed.data.trustedProxies);
  } catch (error) {
    throw new Error(`Coordinator settings: trustedProxies: ${(error as Error).message}`);
  }
  return parsed.data;
}

/** W9: a flag beats the environment; at each level the token itself beats a file holding it. Empty is unset. */
function operatorToken(flags: Partial<Record<string, string | undefined>>, env: Env): string | undefined {
  const file = (path: string | undefined) => (path ? readSecretFile(path, 'operator token file') : undefined);
  return (
    flags.operatorToken ||
    file(flags.operatorTokenFile) ||
    env.FEDFUSE_OPERATOR_TOKEN ||
    file(env.FEDFUSE_OPERATOR_TOKEN_FILE) ||
    undefined
  );
}
