import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { FlatAdam } from './flat-adam.ts';
import { FlatPenalties } from './flat-penalties.ts';
import { createModel, type TriModalModel } from './model.ts';
import { smallConfig } from './testing/fixtures.ts';
import { getWeights } from './weights.ts';

let model: TriModalModel;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  model = createModel({ ...smallConfig, l2: 0.02 });
});
afterAll(() => model.dispose());

/** λ·decay‖W‖² and ρ/2‖w − ref‖² over the flagged variables, and their gradient, by tfjs' autodiff. */
function byAutodiff(flags: Uint8Array, proximal: { mu: number; reference: Float32Array }) {
  let offset = 0;
  const references = model.variables.map((v) => {
    const slice = proximal.reference.subarray(offset, offset + v.size);
    offset += v.size;
    return tf.tensor(slice, v.shape);
  });
  const parts = { l2: 0, proximal: 0 };
  const { grads } = tf.variableGrads(() => {
    let l2: tf.Scalar = tf.scalar(0);
    let prox: tf.Scalar = tf.scalar(0);
    model.variables.forEach((variable, i) => {
      if (flags[i] !== 1) return;
      const coefficient = model.config.l2 * model.specs[i]!.decay;
      l2 = tf.add(l2, tf.mul(tf.sum(tf.square(variable)), coefficient));
      prox = tf.add(prox, tf.mul(tf.sum(tf.square(tf.sub(variable, references[i]!))), proximal.mu / 2));
    });
    parts.l2 = l2.dataSync()[0]!;
    parts.proximal = prox.dataSync()[0]!;
    return tf.add(l2, prox);
  }, [...model.variables]);
  const gradient = new Float32Array(proximal.reference.length);
  offset = 0;
  for (const variable of model.variables) {
    const g = grads[variable.name];
    if (g) gradient.set(g.dataSync() as Float32Array, offset);
    offset += variable.size;
  }
  tf.dispose([...references, ...Object.values(grads)]);
  return { ...parts, gradient };
}

describe(FlatPenalties.name, () => {
  // Every other variable trained this step; decay-free ones (biases) among them.
  const flagsFor = () => Uint8Array.from(model.variables, (_, i) => (i % 2 === 0 ? 1 : 0));
  const proximalFor = () => ({ mu: 0.3, reference: getWeights(model).weights.map((w) => w * 0.5 + 0.01) });

  it('has the values tfjs computes for L2 and FedProx over the trained variables', () => {
    const [flags, proximal] = [flagsFor(), proximalFor()];
    const expected = byAutodiff(flags, proximal);
    const own = new FlatPenalties(model, proximal).values(getWeights(model).weights, flags);
    expect(expected.l2).toBeGreaterThan(0);
    expect(expected.proximal).toBeGreaterThan(0);
    expect(own.l2).toBeCloseTo(expected.l2, 4);
    expect(own.proximal).toBeCloseTo(expected.proximal, 4);
  });

  it('adds the gradient tfjs computes, for the trained variables only, over the range asked', () => {
    const [flags, proximal] = [flagsFor(), proximalFor()];
    const expected = byAutodiff(flags, proximal).gradient;
    const penalties = new FlatPenalties(model, proximal);
    const own = new Float32Array(expected.length);
    const half = Math.floor(own.length / 2);
    // In two shares, as two replicas add it.
    penalties.addGradient(own, getWeights(model).weights, { range: { from: 0, to: half }, trainable: flags });
    penalties.addGradient(own, getWeights(model).weights, {
      range: { from: half, to: own.length },
      trainable: flags,
    });
    expect(expected.filter((g) => g !== 0).length).toBeGreaterThan(100);
    own.forEach((g, i) => expect(Math.abs(g - expected[i]!), `position ${i}`).toBeLessThan(1e-6));
  });

  it("is added to the data's gradient by FlatAdam before its step", () => {
    const [flags, proximal] = [flagsFor(), proximalFor()];
    const data = Float32Array.from({ length: proximal.reference.length }, (_, i) => Math.sin(i) * 0.01);
    const penalised = new FlatAdam(model.variables, 0.01, new FlatPenalties(model, proximal));
    const plain = new FlatAdam(model.variables, 0.01);
    const [ours, theirs] = [new Float32Array(data.length), new Float32Array(data.length)];
    const penalty = byAutodiff(flags, proximal).gradient;
    const summed = data.map((g, k) => g + penalty[k]!);
    penalised.update(
      Float32Array.from(data),
      { range: { from: 0, to: data.length }, trainable: flags },
      ours,
    );
    plain.update(summed, { range: { from: 0, to: data.length }, trainable: flags }, theirs);
    ours.forEach((w, i) => expect(Math.abs(w - theirs[i]!), `position ${i}`).toBeLessThan(1e-6));
    expect(penalised.penaltyValues(flags)).toEqual(
      new FlatPenalties(model, proximal).values(getWeights(model).weights, flags),
    );
  });

  it('refuses global weights of another length, naming both', () => {
    expect(() => new FlatPenalties(model, { mu: 1, reference: new Float32Array(3) })).toThrow(
      /global weights have 3 values, the model \d+/,
    );
  });
});
