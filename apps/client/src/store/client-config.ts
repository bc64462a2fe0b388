import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { BACKEND_PREFERENCE } from '@fedfuse/model/spec';
import { formatIssues, label } from '@fedfuse/protocol';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';

import { ThreadsSetting } from '../trainer/threads.ts';
import { isNotFound, writeFileAtomic } from './atomic-file.ts';

/** Backends a site may ask for: `auto` walks the model package's preference order. */
export const BACKEND_CHOICES = ['auto', ...BACKEND_PREFERENCE] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * The hospital's own privacy policy: the daemon refuses a round that would break it, whatever the
 * coordinator says (docs/privacy.md, "Each hospital's policy"). Strict: a misspelt rule is an error, not
 * a rule silently not enforced.
 */
export const PrivacyPolicy = z.strictObject({
  /** The largest ε of the run's (ε, δ) guarantee this site accepts, computed here from the rounds' parameters. */
  maxEpsilon: z.number().positive().optional(),
  /** Take part only in securely aggregated rounds (not offered by runs yet: every round is refused). */
  requireSecureAggregation: z.boolean().optional(),
  /** The fewest sites this site's update may be averaged with. */
  minSites: z.int().min(1).optional(),
});
export type PrivacyPolicy = z.infer<typeof PrivacyPolicy>;

/** `client.yaml`: what the daemon needs besides keys and enrollment. Empty strings mean "not set yet". */
export const ClientConfig = z.object({
  /** The enrollment request's rule, so `init` refuses a name the coordinator would. */
  siteName: label(100),
  /** Path of the site data config (YAML read by @fedfuse/data); relative paths are relative to the site folder. */
  data: z.string().default(''),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /**
   * Training threads (data-parallel on the wasm and cpu backends): `auto` is one per core. One by default:
   * at the default batch of 32 a second thread measured 0.96–1.23× on 2 cores for +225 MiB (performance.md).
   */
  threads: ThreadsSetting.default(1),
  /** Overrides the URL saved at enrollment when set (e.g. the coordinator moved behind a new host name). */
  coordinatorUrl: z.string().default(''),
  privacy: PrivacyPolicy.default({}),
});
export type ClientConfig = z.infer<typeof ClientConfig>;
/** client.yaml as written: the defaulted keys may be left out. */
export type ClientConfigInput = z.input<typeof ClientConfig>;

/** A client.yaml that is missing or invalid; the message names the file and what to do. */
export class ClientConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ClientConfigError';
  }
}

const HEADER = [
  '# FedFuse site daemon settings (fedfuse-client).',
  '# data: path of the site data config (see docs/site-admin-guide.md); relative to this folder.',
  '# backend: auto | tensorflow-gpu | tensorflow | wasm | cpu',
  '# threads: 1 | N | auto (one per core): training threads on the wasm and cpu backends',
  '# coordinatorUrl: leave empty to use the URL saved by `fedfuse-client enroll`.',
  "# privacy: this site's own policy, e.g. { maxEpsilon: 8, requireSecureAggregation: false, minSites: 3 }",
  '',
].join('\n');

/** Write client.yaml atomically, with a comment header explaining each key. */
export async function writeClientConfig(path: string, config: ClientConfigInput): Promise<void> {
  await writeFileAtomic(path, HEADER + stringifyYaml(config));
}

/** Read and validate client.yaml. */
export async function readClientConfig(path: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isNotFound(err))
      throw new ClientConfigError(path, `${path} does not exist; run "fedfuse-client init" first`);
    throw err;
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ClientConfigError(path, `${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = ClientConfig.safeParse(raw);
  if (!parsed.success) throw new ClientConfigError(path, `${path}: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** The absolute path of the site data config, or undefined when client.yaml names none. */
export function dataConfigPath(config: ClientConfig, siteDir: string): string | undefined {
  if (config.data.trim() === '') return undefined;
  return isAbsolute(config.data) ? config.data : resolve(siteDir, config.data);
}
