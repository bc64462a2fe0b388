/**
 * The one set of run defaults: the coordinator's RunConfig, the simulator, the dashboard's new-run form
 * and the operator guide all take these. They are the simulator's tuned values (docs/results.md): the
 * pooled AUC still rises at round 10 with L2 3e-3, where with 3e-4 it overfits after round 5.
 */
export const RUN_DEFAULTS = {
  fusion: 'hybrid',
  strategy: 'fedavg',
  rounds: 10,
  /** Local epochs per round. */
  epochs: 2,
  batchSize: 32,
  /** Adam's learning rate at the sites. */
  learningRate: 1e-3,
  /** λ of the model's L2 penalty (model spec `l2`). */
  l2: 3e-3,
  /** Probability of keeping each present modality per patient while training (modality dropout). */
  modalityKeepProb: 0.85,
  /** FedProx's μ; 0 trains plain local Adam. */
  proximalMu: 0,
  /** Histogram bins per task for the pooled AUC (1000: within 0.001 of the exact AUC; docs/protocol.md). */
  histogramBins: 1000,
  minClients: 2,
  fraction: 1,
  roundTimeoutSeconds: 600,
  evaluationTimeoutSeconds: 300,
  seed: 1,
} as const;
