import { access } from 'node:fs/promises';
import type { Identity } from '@fedfuse/crypto';
import { fingerprint, fromBase64, signEnrollment } from '@fedfuse/crypto';
import type { EnrollmentResult } from '@fedfuse/protocol';
import { FlRoute, PROTOCOL_VERSION } from '@fedfuse/protocol';

import { TransportError, post } from '../daemon/request.ts';
import { CliError, type ExitCode, usageError } from '../errors.ts';
import { writeClientConfig } from '../store/client-config.ts';
import { writeEnrollment } from '../store/enrollment-file.ts';
import { openIdentity, openSite, type SiteFiles } from '../store/open-site.ts';
import { requiredFlag, siteDir } from './flags.ts';
import { print, type CliIo } from './cli-io.ts';
import { enrollmentToken, type TokenFlags } from './enrollment-token.ts';

/** Flags of `enroll` (declared in program.ts). */
export interface EnrollFlags extends TokenFlags {
  coordinator?: string;
  dir?: string;
  force?: boolean;
}

/** `fedfuse-client enroll`: send the site's keys with the operator's token and pin the coordinator's keys. */
export async function enrollCommand(flags: EnrollFlags, io: CliIo): Promise<ExitCode> {
  const url = coordinatorUrl(requiredFlag(flags.coordinator, '--coordinator'));
  const token = await enrollmentToken(flags, io);
  const files = await openSite(siteDir(flags.dir, io));
  const { paths } = files;
  if (!flags.force && (await exists(paths.enrollment))) {
    throw new CliError(
      `${paths.enrollment} exists: this site is already enrolled (pass --force to enroll again)`,
      1,
    );
  }
  const site = await openIdentity(paths);
  try {
    const { siteName } = files.config;
    const result = await enroll({
      url,
      token,
      siteName,
      site,
      timeoutMs: io.env.FEDFUSE_ACK_TIMEOUT_MS,
    });
    const pinned = await pin({ files, url, result });
    print(
      io,
      `Enrolled as site ${result.siteId} (status: ${result.status}).`,
      `Coordinator fingerprint: ${pinned}`,
      `Site fingerprint:        ${site.fingerprint()}`,
      '',
      'Compare both fingerprints with the operator over another channel (phone, in person) before starting',
      `the daemon. Saved the coordinator's keys in ${paths.enrollment}.`,
      ...(result.status === 'pending'
        ? ['The operator must approve the site; the daemon waits until then.']
        : []),
    );
    return 0;
  } finally {
    site.close();
  }
}

/** Check the coordinator's fingerprint against its keys, then save them; returns the fingerprint. */
async function pin(o: { files: SiteFiles; url: string; result: EnrollmentResult }): Promise<string> {
  const { result, files, url } = o;
  const computed = fingerprint(
    fromBase64(result.coordinatorSigningKey, 32, 'signing key'),
    fromBase64(result.coordinatorBoxKey, 32, 'box key'),
  );
  if (computed !== result.coordinatorFingerprint) {
    throw new CliError("the coordinator's fingerprint does not match the keys it sent; nothing was saved", 1);
  }
  await writeEnrollment(files.paths.enrollment, {
    coordinatorUrl: url,
    siteId: result.siteId,
    coordinatorSigningKey: result.coordinatorSigningKey,
    coordinatorBoxKey: result.coordinatorBoxKey,
    fingerprint: computed,
    status: result.status,
    enrolledAt: Date.now(),
  });
  await writeClientConfig(files.paths.clientConfig, { ...files.config, coordinatorUrl: url });
  return computed;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function coordinatorUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--coordinator ${raw} is not a URL (expected e.g. https://fl.example.org)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw usageError(`--coordinator must be an http(s) URL, not ${url.protocol}`);
  return raw.replace(/\/+$/, '');
}

async function enroll(o: {
  url: string;
  token: string;
  siteName: string;
  site: Identity;
  timeoutMs: number;
}): Promise<EnrollmentResult> {
  const body = signEnrollment({
    site: o.site,
    token: o.token,
    siteName: o.siteName,
    protocolVersion: PROTOCOL_VERSION,
  });
  try {
    const ack = await post({ url: o.url, route: FlRoute.enroll, body, timeoutMs: o.timeoutMs });
    if (!ack.ok) throw new CliError(`enrollment refused: ${ack.error.code}: ${ack.error.message}`, 1);
    return ack.data;
  } catch (err) {
    if (err instanceof TransportError)
      throw new CliError(`cannot reach the coordinator at ${o.url}: ${err.message}`, 1);
    throw err;
  }
}
