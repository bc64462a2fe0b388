import { randomBytes } from 'node:crypto';

import { Identity } from '@fedfuse/crypto';
import type { WeightsManifest } from '@fedfuse/protocol';

/**
 * A fresh site and coordinator identity, the site's X25519 secret (the libsodium candidate seals with it
 * directly) and the manifest of one flat delta of `params` floats.
 */
export function benchParties(params: number): {
  site: Identity;
  siteBoxSecret: Uint8Array;
  coordinator: Identity;
  manifest: WeightsManifest;
} {
  const siteBoxSecret = new Uint8Array(randomBytes(32));
  return {
    site: Identity.fromSeeds({
      role: 'site',
      id: 'bench-site',
      signingSeed: randomBytes(32),
      boxSecretKey: siteBoxSecret,
    }),
    siteBoxSecret,
    coordinator: Identity.generate({ role: 'coordinator', id: 'bench-coordinator' }),
    manifest: { dtype: 'float32', tensors: [{ name: 'delta', shape: [params] }], numParams: params },
  };
}
