import { access, mkdir, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Identity, KeyFileError, writeKeyFile } from '@fedfuse/crypto';

import { CliError, type ExitCode, usageError } from '../errors.ts';
import { writeClientConfig } from '../store/client-config.ts';
import { sitePaths } from '../store/site-paths.ts';
import { requiredFlag } from './flags.ts';
import { print, type CliIo } from './cli-io.ts';

/** Flags of `init` (declared in program.ts). */
export interface InitFlags {
  dir?: string;
  name?: string;
  data?: string;
}

/** `fedfuse-client init`: create the site folder, its identity key (0600) and client.yaml. */
export async function initCommand(flags: InitFlags, io: CliIo): Promise<ExitCode> {
  const dir = resolve(io.cwd, requiredFlag(flags.dir, '--dir'));
  const name = (flags.name ?? basename(dir)).trim();
  if (name.length === 0 || name.length > 100) throw usageError('--name must be 1 to 100 characters');
  const data = flags.data === undefined ? '' : resolve(io.cwd, flags.data);
  if (data && !(await isFile(data))) throw usageError(`--data ${data} does not exist or is not a file`);

  const paths = sitePaths(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fingerprint = await createIdentity(paths.keyFile, name);
  const keptConfig = await exists(paths.clientConfig);
  if (!keptConfig)
    await writeClientConfig(paths.clientConfig, {
      siteName: name,
      data,
      backend: 'auto',
      threads: 1,
      coordinatorUrl: '',
    });
  print(
    io,
    `Created the site identity ${paths.keyFile} (mode 0600).`,
    `Site key fingerprint: ${fingerprint}`,
    keptConfig ? `Kept the existing ${paths.clientConfig}.` : `Wrote ${paths.clientConfig}.`,
    '',
    'Next steps:',
    data
      ? `  fedfuse-client check --dir ${dir}`
      : `  set "data:" in ${paths.clientConfig}, then: fedfuse-client check --dir ${dir}`,
    `  fedfuse-client enroll --dir ${dir} --coordinator URL --token-file TOKEN_FILE`,
  );
  return 0;
}

/** Generate the site identity into `keyFile` (0600), refusing to replace one; returns its fingerprint. */
async function createIdentity(keyFile: string, name: string): Promise<string> {
  const identity = Identity.generate({ role: 'site', id: name });
  try {
    await writeKeyFile(keyFile, identity);
    return identity.fingerprint();
  } catch (err) {
    if (err instanceof KeyFileError && err.problem === 'exists') {
      throw new CliError(
        `${keyFile} already exists; refusing to overwrite the site identity (a new key means enrolling again)`,
        1,
      );
    }
    throw err;
  } finally {
    // The key is on disk (or refused); this process has no further use for the secrets.
    identity.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
