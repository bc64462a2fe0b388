import { readFile } from 'node:fs/promises';
import { EnrollmentToken } from '@fedfuse/protocol';

import { usageError } from '../errors.ts';
import type { CliIo } from './cli-io.ts';

/** The token flags of `enroll`. */
export interface TokenFlags {
  token?: string;
  tokenFile?: string;
}

/**
 * The one-time enrollment token, from `--token-file PATH`, `FEDFUSE_ENROLLMENT_TOKEN`,
 * `FEDFUSE_ENROLLMENT_TOKEN_FILE` or `--token` (W9). The flag still works but warns: a command line is
 * visible to every local user in `ps`, and a token is a credential until it is used or expires.
 */
export async function enrollmentToken(flags: TokenFlags, io: CliIo): Promise<string> {
  const [source, raw] = await tokenSource(flags, io);
  const token = EnrollmentToken.safeParse(raw.trim());
  if (!token.success) throw usageError(`${source}: ${token.error.issues[0]?.message ?? 'invalid token'}`);
  if (source === '--token')
    io.stderr.write(
      'warning: --token puts the enrollment token on the command line, visible in ps to every local user; ' +
        'use FEDFUSE_ENROLLMENT_TOKEN or --token-file PATH\n',
    );
  return token.data;
}

async function tokenSource(flags: TokenFlags, io: CliIo): Promise<[string, string]> {
  const { token, tokenFile } = flags;
  if (token !== undefined && tokenFile !== undefined)
    throw usageError('give --token or --token-file, not both');
  if (tokenFile !== undefined) return ['--token-file', await readTokenFile(tokenFile, '--token-file')];
  if (token !== undefined) return ['--token', token];
  if (io.env.FEDFUSE_ENROLLMENT_TOKEN) return ['FEDFUSE_ENROLLMENT_TOKEN', io.env.FEDFUSE_ENROLLMENT_TOKEN];
  const envFile = io.env.FEDFUSE_ENROLLMENT_TOKEN_FILE;
  if (envFile)
    return ['FEDFUSE_ENROLLMENT_TOKEN_FILE', await readTokenFile(envFile, 'FEDFUSE_ENROLLMENT_TOKEN_FILE')];
  throw usageError(
    'the enrollment token is required: FEDFUSE_ENROLLMENT_TOKEN, --token-file PATH or --token',
  );
}

async function readTokenFile(path: string, source: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw usageError(`${source}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
