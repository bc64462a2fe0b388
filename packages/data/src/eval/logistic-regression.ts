/** A row-major design matrix with n rows of d features. */
export interface Design {
  x: Float32Array;
  n: number;
  d: number;
}

/** Options for {@link fitLogistic}. */
export interface FitLogisticOptions {
  /** Labels n × tasks (0/1, NaN = missing: that cell adds no loss). */
  y: Float32Array;
  tasks: number;
  /** L2 penalty on the weights (not the bias), per example: one value, or one per column. Default 0.01. */
  l2?: number | Float64Array;
  /** Full-batch Adam steps. Default 200. */
  steps?: number;
  learningRate?: number;
}

/** Independent logistic regressions per task: weights[t] holds d weights then the bias. */
export interface LogisticModel {
  d: number;
  weights: Float64Array[];
}

/**
 * Fits one L2-regularized logistic regression per task with full-batch Adam. Plain TS on
 * purpose: it is the calibration yardstick for the synthetic data, not a model to deploy.
 */
export function fitLogistic(design: Design, o: FitLogisticOptions): LogisticModel {
  const { n, d, x } = design;
  const T = o.tasks;
  const l2 = typeof o.l2 === 'object' ? o.l2 : new Float64Array(d).fill(o.l2 ?? 0.01);
  const lr = o.learningRate ?? 0.05;
  const model: LogisticModel = { d, weights: Array.from({ length: T }, () => new Float64Array(d + 1)) };
  const adam = model.weights.map(() => ({
    m: new Float64Array(d + 1),
    v: new Float64Array(d + 1),
    g: new Float64Array(d + 1),
  }));
  for (let t = 0; t < T; t++) {
    const w = model.weights[t] as Float64Array;
    const { m, v, g } = adam[t] as { m: Float64Array; v: Float64Array; g: Float64Array };
    let count = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(o.y[i * T + t])) count++;
    if (count === 0) continue;
    for (let step = 1; step <= (o.steps ?? 200); step++) {
      g.fill(0);
      for (let i = 0; i < n; i++) {
        const y = o.y[i * T + t] as number;
        if (Number.isNaN(y)) continue;
        const row = i * d;
        let z = w[d] as number;
        for (let j = 0; j < d; j++) z += (x[row + j] as number) * (w[j] as number);
        const r = (1 / (1 + Math.exp(-z)) - y) / count;
        for (let j = 0; j < d; j++) g[j] = (g[j] as number) + r * (x[row + j] as number);
        g[d] = (g[d] as number) + r;
      }
      for (let j = 0; j < d; j++) g[j] = (g[j] as number) + (l2[j] as number) * (w[j] as number);
      adamStep({ w, m, v, g, lr, step });
    }
  }
  return model;
}

function adamStep(o: {
  w: Float64Array;
  m: Float64Array;
  v: Float64Array;
  g: Float64Array;
  lr: number;
  step: number;
}): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** o.step;
  const c2 = 1 - b2 ** o.step;
  for (let k = 0; k < o.w.length; k++) {
    const g = o.g[k] as number;
    o.m[k] = b1 * (o.m[k] as number) + (1 - b1) * g;
    o.v[k] = b2 * (o.v[k] as number) + (1 - b2) * g * g;
    o.w[k] =
      (o.w[k] as number) - (o.lr * ((o.m[k] as number) / c1)) / (Math.sqrt((o.v[k] as number) / c2) + 1e-8);
  }
}

/** Logits n × tasks (row-major) for a design. */
export function predictLogits(model: LogisticModel, design: Design): Float64Array {
  const { d } = model;
  const T = model.weights.length;
  const out = new Float64Array(design.n * T);
  model.weights.forEach((w, t) => {
    for (let i = 0; i < design.n; i++) {
      const row = i * d;
      let z = w[d] as number;
      for (let j = 0; j < d; j++) z += (design.x[row + j] as number) * (w[j] as number);
      out[i * T + t] = z;
    }
  });
  return out;
}
