import { access } from 'node:fs/promises';
import type { Identity } from '@fedfuse/crypto';
import { KeyFileError, readKeyFile } from '@fedfuse/crypto';

import { CliError, usageError } from '../errors.ts';
import { isNotFound } from './atomic-file.ts';
import { ClientConfigError, dataConfigPath, readClientConfig, type ClientConfig } from './client-config.ts';
import { EnrollmentFileError, readEnrollment, type Enrollment } from './enrollment-file.ts';
import { sitePaths, type SitePaths } from './site-paths.ts';

/** A site folder's settings, read and checked. */
export interface SiteFiles {
  paths: SitePaths;
  config: ClientConfig;
}

/** Read client.yaml of the site folder `dir`; a missing or invalid file is a set-up error (exit 2). */
export async function openSite(dir: string): Promise<SiteFiles> {
  const paths = sitePaths(dir);
  try {
    return { paths, config: await readClientConfig(paths.clientConfig) };
  } catch (err) {
    if (err instanceof ClientConfigError) throw usageError(err.message);
    throw err;
  }
}

/** The enrollment of the site; missing or invalid is a set-up error. */
export async function openEnrollment(paths: SitePaths): Promise<Enrollment> {
  try {
    return await readEnrollment(paths.enrollment);
  } catch (err) {
    if (err instanceof EnrollmentFileError) throw usageError(err.message);
    throw err;
  }
}

/** The site identity from its key file; missing, loose permissions or corrupt is a set-up error. */
export async function openIdentity(paths: SitePaths): Promise<Identity> {
  try {
    return await readKeyFile(paths.keyFile);
  } catch (err) {
    if (isNotFound(err)) throw usageError(`${paths.keyFile} does not exist; run "fedfuse-client init" first`);
    if (err instanceof KeyFileError) throw usageError(err.message);
    throw err;
  }
}

/** The absolute path of the site data config, which must exist. */
export async function requireDataConfig(files: SiteFiles): Promise<string> {
  const path = dataConfigPath(files.config, files.paths.dir);
  if (!path) {
    throw usageError(
      `${files.paths.clientConfig} names no data config; set "data:" to your site YAML (see docs/site-admin-guide.md)`,
    );
  }
  try {
    await access(path);
  } catch {
    throw usageError(`the site data config ${path} (from ${files.paths.clientConfig}) does not exist`);
  }
  return path;
}

/** Turn an error into the CLI's (message, exit code): CliError keeps its code, anything else is 1. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  return new CliError(err instanceof Error ? err.message : String(err), 1);
}
