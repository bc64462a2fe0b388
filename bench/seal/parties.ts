import { Identity } from '@fedfuse/crypto';
import type { WeightsManifest } from '@fedfuse/protocol';

/** A fresh site and coordinator identity and the manifest of one flat delta of `params` floats. */
export function benchParties(params: number): {
  site: Identity;
  coordinator: Identity;
  manifest: WeightsManifest;
} {
  return {
    site: Identity.generate({ role: 'site', id: 'bench-site' }),
    coordinator: Identity.generate({ role: 'coordinator', id: 'bench-coordinator' }),
    manifest: { dtype: 'float32', tensors: [{ name: 'delta', shape: [params] }], numParams: params },
  };
}
