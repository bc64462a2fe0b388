import { z } from 'zod';
import { formatIssues } from '@fedfuse/protocol';
import { POISON_KINDS } from './fl/poison.ts';

// The one place the client reads process.env, so every knob is named, validated and documented here.

const millis = (fallback: number) => z.coerce.number().int().min(1).max(3_600_000).default(fallback);

const EnvSchema = z.object({
  /** Site folder used when a command gets no --dir. */
  FEDFUSE_DIR: z.string().min(1).optional(),
  /** socket.io's first reconnection delay after a dropped connection. */
  FEDFUSE_RECONNECT_DELAY_MS: millis(500),
  /** socket.io's reconnection delay cap. */
  FEDFUSE_RECONNECT_DELAY_MAX_MS: millis(5000),
  /** First wait before retrying a refused handshake (pending approval, suspended, transient errors). */
  FEDFUSE_HANDSHAKE_BACKOFF_MS: millis(1000),
  /** Cap of that wait; it doubles up to here. */
  FEDFUSE_HANDSHAKE_BACKOFF_MAX_MS: millis(30_000),
  /** How long a request waits for the coordinator's acknowledgement. */
  FEDFUSE_ACK_TIMEOUT_MS: millis(30_000),
  /** W9: the one-time enrollment token for `enroll`, kept off the command line (`ps` shows it). */
  FEDFUSE_ENROLLMENT_TOKEN: z.string().optional(),
  /** W9: a file holding that token. */
  FEDFUSE_ENROLLMENT_TOKEN_FILE: z.string().optional(),
  /** Simulation only (`fedfuse-sim --poison`): the daemon poisons every delta it sends. */
  FEDFUSE_SIMULATED_POISON: z.enum(POISON_KINDS).optional(),
  /**
   * Test only (test/e2e's privacy scan): a folder where the daemon writes each secure round's own update,
   * plain and quantised, so the scan can look for it in what the coordinator holds. Refused in production.
   */
  FEDFUSE_TEST_DUMP_SECAGG_UPDATES: z.string().min(1).optional(),
  NODE_ENV: z.string().optional(),
});

/** The test-only hook writes plain updates to disk: never where NODE_ENV says production. */
const CheckedEnvSchema = EnvSchema.refine(
  (env) => !(env.FEDFUSE_TEST_DUMP_SECAGG_UPDATES && env.NODE_ENV === 'production'),
  {
    path: ['FEDFUSE_TEST_DUMP_SECAGG_UPDATES'],
    message: 'is a test-only hook that writes plain updates to disk; refused with NODE_ENV=production',
  },
);

/** Validated environment settings of the site daemon. */
export type ClientEnv = z.infer<typeof EnvSchema>;

/** Parses `source` (default: process.env); a bad value throws an Error naming the variable. */
export function readEnv(source: Record<string, string | undefined> = process.env): ClientEnv {
  const parsed = CheckedEnvSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  throw new Error(`environment variable ${formatIssues(parsed.error.issues.slice(0, 1))}`);
}
