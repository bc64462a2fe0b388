import { resolve } from 'node:path';
import { z } from 'zod';

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
    operatorToken: flags.operatorToken ?? env.FEDFUSE_OPERATOR_TOKEN ?? undefined,
    allowedOrigins: (flags.allowedOrigins ?? env.FEDFUSE_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean),
    tickMs: (flags.tickMs ?? env.FEDFUSE_TICK_MS) ? Number(flags.tickMs ?? env.FEDFUSE_TICK_MS) : undefined,
    lastSeenWriteMs: optionalNumber(flags.lastSeenWriteMs ?? env.FEDFUSE_LAST_SEEN_WRITE_MS),
    dashboardDir: flags.dashboardDir ?? env.FEDFUSE_DASHBOARD_DIR ?? undefined,
    crashAt: env.FEDFUSE_CRASH_AT || undefined,
    recordInbound: env.FEDFUSE_RECORD_INBOUND || undefined,
  };
  const parsed = CoordinatorSettings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Coordinator settings: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
