import { join } from 'node:path';
import { Identity, writeKeyFile } from '@fedfuse/crypto';

import { writeClientConfig } from '../store/client-config.ts';
import { writeEnrollment } from '../store/enrollment-file.ts';
import { sitePaths } from '../store/site-paths.ts';
import { ScriptedCoordinator } from './scripted-coordinator.ts';
import { writeTinySite } from './tiny-site.ts';

/** A site folder enrolled with a scripted coordinator, as `init` + `enroll` would leave it. */
export interface EnrolledSite {
  dir: string;
  siteId: string;
  coordinator: ScriptedCoordinator;
}

/** Create the site's key, data, client.yaml and enrollment.json under `dir`, and its coordinator. */
export async function enrolledSite(dir: string): Promise<EnrolledSite> {
  const paths = sitePaths(dir);
  const site = Identity.generate({ role: 'site', id: 'tiny' });
  await writeKeyFile(paths.keyFile, site);
  const siteKeys = site.publicKeys();
  site.close();
  const data = await writeTinySite(join(dir, 'data'));
  await writeClientConfig(paths.clientConfig, {
    siteName: 'tiny',
    data,
    backend: 'wasm',
    threads: 1,
    coordinatorUrl: '',
  });
  const identity = Identity.generate({ role: 'coordinator', id: 'coordinator' });
  const siteId = crypto.randomUUID();
  const coordinator = await ScriptedCoordinator.start({ identity, site: { siteId, ...siteKeys } });
  const keys = identity.publicKeys();
  await writeEnrollment(paths.enrollment, {
    coordinatorUrl: coordinator.url,
    siteId,
    coordinatorSigningKey: keys.signingKey,
    coordinatorBoxKey: keys.boxKey,
    fingerprint: identity.fingerprint(),
    status: 'approved',
  });
  return { dir, siteId, coordinator };
}
