import type { ModelConfig } from './config.ts';
import { imagingSpecs } from './imaging-encoder.ts';
import { createRng, normal } from './rng.ts';

/** One weight tensor of the model, in the fixed order of the flat weight vector. */
export interface ParamSpec {
  name: string;
  shape: number[];
  /** Parameter group: `ehr`, `imaging`, `genomics`, `fusion` or `head.<task>`. */
  group: string;
  /** Multiplier of λ in the L2 term (0 for biases and attention vectors). */
  decay: number;
  /** Fan-in for He initialisation; 0 means the tensor starts at zero. */
  fanIn: number;
}

interface DenseArgs {
  name: string;
  group: string;
  inputs: number;
  outputs: number;
  decay?: number;
}

function dense({ name, group, inputs, outputs, decay = 1 }: DenseArgs): ParamSpec[] {
  return [
    { name: `${name}.kernel`, shape: [inputs, outputs], group, decay, fanIn: inputs },
    { name: `${name}.bias`, shape: [outputs], group, decay: 0, fanIn: 0 },
  ];
}

function encoderSpecs(c: ModelConfig): ParamSpec[] {
  const g = c.genomicsDecayFactor;
  const specs = [
    ...dense({ name: 'ehr.dense1', group: 'ehr', inputs: c.ehrDim, outputs: c.ehrHidden }),
    ...dense({ name: 'ehr.dense2', group: 'ehr', inputs: c.ehrHidden, outputs: c.d }),
  ];
  specs.push(
    ...imagingSpecs(c),
    ...dense({
      name: 'genomics.encode1',
      group: 'genomics',
      inputs: c.genomicsDim,
      outputs: c.genomicsHidden,
      decay: g,
    }),
    ...dense({
      name: 'genomics.encode2',
      group: 'genomics',
      inputs: c.genomicsHidden,
      outputs: c.d,
      decay: g,
    }),
    ...dense({
      name: 'genomics.decode1',
      group: 'genomics',
      inputs: c.d,
      outputs: c.genomicsHidden,
      decay: g,
    }),
    ...dense({
      name: 'genomics.decode2',
      group: 'genomics',
      inputs: c.genomicsHidden,
      outputs: c.genomicsDim,
      decay: g,
    }),
  );
  return specs;
}

/** Per-modality auxiliary heads (each Z_i predicts every task alone), trained with their modality. */
function auxiliarySpecs(c: ModelConfig): ParamSpec[] {
  return c.modalities.flatMap((modality) =>
    dense({ name: `${modality}.aux`, group: modality, inputs: c.d, outputs: c.tasks.length }),
  );
}

function headSpecs(c: ModelConfig, inputs: number): ParamSpec[] {
  return c.tasks.flatMap((task) => [
    ...dense({ name: `head.${task}.dense1`, group: `head.${task}`, inputs, outputs: c.headHidden }),
    ...dense({ name: `head.${task}.dense2`, group: `head.${task}`, inputs: c.headHidden, outputs: 1 }),
  ]);
}

/** The early-fusion trunk sees the model's raw EHR, genomics and 8×8-pooled images concatenated. */
function earlyInputSize(c: ModelConfig): number {
  const [h, w, ch] = c.imageShape;
  const widths = {
    ehr: c.ehrDim,
    genomics: c.genomicsDim,
    imaging: Math.ceil(h / 8) * Math.ceil(w / 8) * ch,
  };
  return c.modalities.reduce((sum, m) => sum + widths[m], 0);
}

/** Encoder parameters of the model's modalities only: one left out has none. */
function modelEncoderSpecs(c: ModelConfig): ParamSpec[] {
  return encoderSpecs(c).filter((spec) => (c.modalities as string[]).includes(spec.group));
}

/** Every parameter of the model for its fusion, in flat-vector order. */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const m = c.modalities.length;
  switch (c.fusion) {
    case 'hybrid':
    case 'attention': {
      const attention: ParamSpec = {
        name: 'fusion.attention',
        shape: [c.tasks.length, c.d],
        group: 'fusion',
        decay: 0,
        fanIn: 0,
      };
      // hybrid: every modality's embedding beside the task's attention-weighted summary.
      const headInputs = c.fusion === 'hybrid' ? (m + 1) * c.d : c.d;
      return [...modelEncoderSpecs(c), ...auxiliarySpecs(c), attention, ...headSpecs(c, headInputs)];
    }
    case 'concat':
      return [...modelEncoderSpecs(c), ...auxiliarySpecs(c), ...headSpecs(c, m * c.d)];
    case 'late':
      return [...modelEncoderSpecs(c), ...auxiliarySpecs(c)];
    case 'early':
      return [
        ...dense({ name: 'fusion.early1', group: 'fusion', inputs: earlyInputSize(c), outputs: 2 * c.d }),
        ...dense({ name: 'fusion.early2', group: 'fusion', inputs: 2 * c.d, outputs: c.d }),
        ...headSpecs(c, c.d),
      ];
  }
}

/** He-normal kernels and zero biases from the config's seed: identical on every backend. */
export function initialValues(specs: ParamSpec[], seed: number): Float32Array[] {
  const random = createRng(seed);
  return specs.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.fanIn > 0) {
      const std = Math.sqrt(2 / spec.fanIn);
      for (let i = 0; i < size; i++) values[i] = normal(random) * std;
    }
    return values;
  });
}
