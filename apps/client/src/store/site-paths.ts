import { join, resolve } from 'node:path';

/** Where everything of one site lives inside its folder (`--dir`). */
export interface SitePaths {
  dir: string;
  /** Site identity (Ed25519 + X25519 secrets), mode 0600. */
  keyFile: string;
  /** Daemon settings: site name, data config, backend, coordinator URL. */
  clientConfig: string;
  /** Pinned coordinator keys and the site id from enrollment. */
  enrollment: string;
  /** Last round trained and evaluated, for `status`. */
  state: string;
  /** The privacy each run spent, as this site accounts it (`privacy.json`). */
  privacy: string;
  /** Global models received, by model hash. */
  models: string;
  /** Finished training results not yet accepted by the coordinator. */
  pending: string;
}

/** The file layout of a site folder. */
export function sitePaths(dir: string): SitePaths {
  const root = resolve(dir);
  return {
    dir: root,
    keyFile: join(root, 'site.key'),
    clientConfig: join(root, 'client.yaml'),
    enrollment: join(root, 'enrollment.json'),
    state: join(root, 'state.json'),
    privacy: join(root, 'privacy.json'),
    models: join(root, 'models'),
    pending: join(root, 'pending'),
  };
}
