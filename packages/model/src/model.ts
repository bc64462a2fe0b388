import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.ts';
import { resolveModelConfig } from './config.ts';
import type { ParamSpec } from './params.ts';
import { initialValues, paramSpecs } from './params.ts';

/** A tri-modal model: its configuration, parameter layout and live tfjs variables. */
export interface TriModalModel {
  readonly config: ModelConfig;
  readonly specs: readonly ParamSpec[];
  readonly variables: readonly tf.Variable[];
  /** Variable by parameter name, e.g. `ehr.dense1.kernel`. */
  param(name: string): tf.Variable;
  dispose(): void;
}

let modelCount = 0;

/**
 * Builds the model of DESIGN.md for a configuration, with seeded initial weights.
 * @example const model = createModel({ fusion: 'hybrid', tasks: ['cancer', 'cardiac'] })
 */
export function createModel(partial: Partial<ModelConfig> = {}): TriModalModel {
  const config = resolveModelConfig(partial);
  const specs = paramSpecs(config);
  const initial = initialValues(specs, config.seed);
  const prefix = `fedfuse${++modelCount}`;
  const variables = specs.map((spec, i) =>
    tf.variable(tf.tensor(initial[i]!, spec.shape, 'float32'), true, `${prefix}/${spec.name}`),
  );
  const byName = new Map(specs.map((spec, i) => [spec.name, variables[i]!]));
  return {
    config,
    specs,
    variables,
    param(name) {
      const variable = byName.get(name);
      if (!variable) throw new Error(`The ${config.fusion} model has no parameter ${name}`);
      return variable;
    },
    dispose() {
      for (const variable of variables) variable.dispose();
    },
  };
}

/** Names of the parameter groups in layout order (encoders, fusion, heads). */
export function parameterGroups(model: TriModalModel): string[] {
  return [...new Set(model.specs.map((spec) => spec.group))];
}
