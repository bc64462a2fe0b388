import { concatBatches, type ModelBatch } from '@fedfuse/data';
import {
  createModel,
  pooledTextureNorm,
  textureSums,
  trainLocalRound,
  type TriModalModel,
} from '@fedfuse/model';
import { evaluateFinal, type FinalEvaluation } from './final-evaluation.ts';
import { pooledRecalibration, type LoadedFederation } from './federation.ts';
import { trainingSeed } from './options.ts';
import { modelConfigFor, type ModelChoices } from './run-config.ts';

/** The training budget of a baseline: the same passes over the data as the federated run. */
export interface BaselineOptions extends ModelChoices {
  /** rounds × local epochs of the federated run it is compared with. */
  epochs: number;
  batchSize: number;
  learningRate: number;
  modalityKeepProb: number;
}

/**
 * A baseline's model, its texture energies standardised by the images it trains on, as a federation's
 * start pools them from its sites' sums: the baselines compare training, not input scaling.
 */
function modelFor(loaded: LoadedFederation, options: BaselineOptions, trains: ModelBatch[]): TriModalModel {
  const sums = trains.map((batch) => textureSums(batch, loaded.imageShape));
  const images = sums.reduce((n, s) => n + s.images, 0);
  const imageTextureNorm = images >= 2 ? pooledTextureNorm(sums) : null;
  return createModel({ ...modelConfigFor(options, loaded), imageTextureNorm });
}

function trainOn(model: TriModalModel, batch: ModelBatch, options: BaselineOptions): number {
  return trainLocalRound(model, batch, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    seed: trainingSeed(options),
    modalityKeepProb: options.modalityKeepProb,
  }).seconds;
}

function trainsOf(loaded: LoadedFederation): ModelBatch[] {
  return loaded.sites.map((s) => {
    if (!s.train) throw new Error('baselines need the sites loaded with their train splits');
    return s.train;
  });
}

/**
 * Centralized training: every site's train split pooled in one place (what federated learning avoids),
 * trained with the model package directly and evaluated like the federated model.
 */
export function trainCentralized(
  loaded: LoadedFederation,
  options: BaselineOptions,
): { evaluation: FinalEvaluation; seconds: number } {
  const trains = trainsOf(loaded);
  const model = modelFor(loaded, options, trains);
  try {
    const seconds = trainOn(model, concatBatches(trains), options);
    return {
      evaluation: evaluateFinal(model, loaded.pooledTest, pooledRecalibration(loaded, 'train')),
      seconds,
    };
  } finally {
    model.dispose();
  }
}

/** Per site, a model trained on that site's data alone: evaluated on every site's held-out split and on its own. */
export interface LocalOnlyResult {
  site: string;
  pooled: Record<string, number | null>;
  own: Record<string, number | null>;
  seconds: number;
}

/** Local-only training: each hospital on its own, no federation. */
export function trainLocalOnly(loaded: LoadedFederation, options: BaselineOptions): LocalOnlyResult[] {
  const trains = trainsOf(loaded);
  return loaded.sites.map((site, k) => {
    const model = modelFor(loaded, options, [trains[k]!]);
    try {
      const seconds = trainOn(model, trains[k]!, options);
      const aucs = (e: FinalEvaluation) =>
        Object.fromEntries(Object.entries(e.tasks).map(([t, m]) => [t, m.auc]));
      const pooled = aucs(evaluateFinal(model, loaded.pooledTest, pooledRecalibration(loaded, 'train')));
      const ownSite = [{ rows: site.test.n, calibrateOn: site.recalibration.train }];
      const own = site.test.n > 0 ? aucs(evaluateFinal(model, site.test, ownSite)) : {};
      return { site: site.name, pooled, own, seconds };
    } finally {
      model.dispose();
    }
  });
}
