import { createModel, setWeights, type TriModalModel } from '@fedfuse/model';
import type { CoordinatorApi } from './coordinator-api.ts';

/**
 * Downloads a committed checkpoint over the operator API and loads it into a fresh model built from
 * the run's spec, after checking that the checkpoint's tensor names and shapes are the model's layout.
 */
export async function loadCheckpointModel(
  api: CoordinatorApi,
  o: { runId: string; round: number },
): Promise<TriModalModel> {
  const { model: json, weights } = await api.checkpoint(o.runId, o.round);
  const model = createModel(json.userDefinedMetadata.modelSpec);
  const tensors = weights.manifest.tensors;
  const mismatch = model.specs.findIndex((s, i) => {
    const t = tensors[i];
    return !t || t.name !== s.name || t.shape.join('x') !== s.shape.join('x');
  });
  if (mismatch >= 0 || tensors.length !== model.specs.length) {
    model.dispose();
    throw new Error(`checkpoint ${o.round} does not match the run's model layout (tensor ${mismatch})`);
  }
  setWeights(model, weights.values);
  return model;
}
