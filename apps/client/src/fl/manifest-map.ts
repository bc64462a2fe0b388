import type { ManifestEntry } from '@fedfuse/model';
import type { WeightsManifest } from '@fedfuse/protocol';

/** The part of a model layout entry that the wire manifest carries. */
export type LayoutEntry = Pick<ManifestEntry, 'name' | 'shape'>;

/**
 * The protocol's manifest for a model layout (`layoutOf(model).entries`): the same tensors in the same
 * order; offsets are implied by the order, groups stay local.
 */
export function toWireManifest(entries: readonly LayoutEntry[]): WeightsManifest {
  const tensors = entries.map((e) => ({ name: e.name, shape: [...e.shape] }));
  const numParams = entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  return { dtype: 'float32', tensors, numParams };
}

/**
 * Why the coordinator's manifest cannot be loaded into this model layout, naming the first difference; or
 * undefined when names, shapes and order all agree.
 */
export function manifestMismatch(wire: WeightsManifest, entries: readonly LayoutEntry[]): string | undefined {
  if (wire.tensors.length !== entries.length) {
    return `the global model has ${wire.tensors.length} tensors, the model built from the run's spec has ${entries.length}`;
  }
  for (let i = 0; i < entries.length; i++) {
    const local = entries[i]!;
    const remote = wire.tensors[i]!;
    if (remote.name !== local.name) {
      return `tensor ${i} is "${remote.name}" in the global model but "${local.name}" in the local model`;
    }
    if (remote.shape.join('x') !== local.shape.join('x')) {
      return `tensor "${local.name}" has shape [${remote.shape.join(', ')}] in the global model but [${local.shape.join(', ')}] locally`;
    }
  }
  return undefined;
}
