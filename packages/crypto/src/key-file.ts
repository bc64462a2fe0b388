import { link, open, rename, unlink, writeFile } from 'node:fs/promises';

import { fromBase64, toBase64 } from './bytes.ts';
import type { IdentityRole } from './identity.ts';
import { Identity, seedsOf } from './identity.ts';

const FORMAT = 'fedfuse-identity/1';
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Why a key file was refused. */
export type KeyFileProblem = 'permissions' | 'not_a_file' | 'corrupt' | 'exists' | 'too_large';

/** A key file that must not be used; the message names the file and says what to do. */
export class KeyFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: KeyFileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'KeyFileError';
  }
}

interface KeyFileJson {
  format: string;
  role: IdentityRole;
  id: string;
  signingSeed: string;
  boxSecretKey: string;
  signingPublicKey: string;
  boxPublicKey: string;
  fingerprint: string;
}

/**
 * Write `identity` to `path` with mode 0600, atomically (temp file + rename); refuses to overwrite an
 * existing key file unless `overwrite` is set, because losing a key means re-enrolling the site.
 */
export async function writeKeyFile(
  path: string,
  identity: Identity,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const seeds = seedsOf(identity);
  const keys = identity.publicKeys();
  const json: KeyFileJson = {
    format: FORMAT,
    role: identity.role,
    id: identity.id,
    signingSeed: toBase64(seeds.signingSeed),
    boxSecretKey: toBase64(seeds.boxSecretKey),
    signingPublicKey: keys.signingKey,
    boxPublicKey: keys.boxKey,
    fingerprint: identity.fingerprint(),
  };
  seeds.signingSeed.fill(0);
  seeds.boxSecretKey.fill(0);
  const body = Buffer.from(`${JSON.stringify(json, null, 2)}\n`);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    // 'wx' + mode: the file never exists with looser permissions, not even for an instant.
    await writeFile(tmp, body, { mode: 0o600, flag: 'wx' });
    if (options.overwrite) await rename(tmp, path);
    else await linkNew(tmp, path);
  } finally {
    body.fill(0);
    await unlink(tmp).catch(() => undefined);
  }
}

/** Hard-link `tmp` to `path`, which fails atomically when `path` exists (no check-then-write race). */
async function linkNew(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new KeyFileError(
      path,
      'exists',
      `Key file ${path} already exists; refusing to overwrite it (pass overwrite: true to replace it).`,
    );
  }
}

function describeMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/**
 * Read an identity from a key file. Refuses, with a message naming the file and its mode, a file that group
 * or others may read or write, and any file whose secret and public keys disagree.
 */
export async function readKeyFile(path: string): Promise<Identity> {
  const handle = await open(path, 'r');
  let raw: Buffer | undefined;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new KeyFileError(path, 'not_a_file', `Key file ${path} is not a regular file.`);
    // Windows has no POSIX modes (Node reports 0666 for every file), so the check only means something elsewhere.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new KeyFileError(
        path,
        'permissions',
        `Key file ${path} has mode ${describeMode(stat.mode)}, which lets group or others read it; ` +
          `run "chmod 600 ${path}" and consider the keys exposed if anyone else could have read them.`,
      );
    }
    if (stat.size > MAX_KEY_FILE_BYTES)
      throw new KeyFileError(
        path,
        'too_large',
        `Key file ${path} is ${stat.size} bytes; a key file is under 1 KiB.`,
      );
    raw = await handle.readFile();
    return parseKeyFile(path, raw);
  } finally {
    raw?.fill(0);
    await handle.close();
  }
}

function parseKeyFile(path: string, raw: Buffer): Identity {
  const corrupt = (why: string) => new KeyFileError(path, 'corrupt', `Key file ${path} is corrupt: ${why}.`);
  let json: Partial<KeyFileJson>;
  try {
    json = JSON.parse(raw.toString('utf8')) as Partial<KeyFileJson>;
  } catch {
    throw corrupt('not JSON');
  }
  if (json.format !== FORMAT) throw corrupt(`format is ${JSON.stringify(json.format)}, expected "${FORMAT}"`);
  if (json.role !== 'site' && json.role !== 'coordinator')
    throw corrupt('role must be "site" or "coordinator"');
  if (typeof json.id !== 'string' || json.id.length === 0) throw corrupt('id is missing');
  const decode = (field: keyof KeyFileJson) => {
    const value = json[field];
    if (typeof value !== 'string') throw corrupt(`${field} is missing`);
    try {
      return fromBase64(value, 32, field);
    } catch (err) {
      throw corrupt((err as Error).message);
    }
  };
  const signingSeed = decode('signingSeed');
  const boxSecretKey = decode('boxSecretKey');
  const identity = Identity.fromSeeds({ role: json.role, id: json.id, signingSeed, boxSecretKey });
  signingSeed.fill(0);
  boxSecretKey.fill(0);
  const keys = identity.publicKeys();
  if (keys.signingKey !== json.signingPublicKey || keys.boxKey !== json.boxPublicKey) {
    identity.close();
    throw corrupt('its public keys do not match its secret keys');
  }
  return identity;
}
