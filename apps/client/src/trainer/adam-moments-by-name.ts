import { AdamOptimizer, type NamedTensorMap, type Tensor, type Variable } from '@tensorflow/tfjs-core';

// WORKAROUND for @fedfuse/model (remove once trainLocalRound is fixed there): tfjs's AdamOptimizer keeps its
// moment estimates in arrays indexed by position in the gradient list, but trainLocalRound passes only the
// variables a mini-batch can train (no encoder for a modality absent from every row, no head for a task
// without labels). When that subset changes between mini-batches, moments move to other variables: a
// shape error ("Operands could not be broadcast together with shapes 500,32 and 16,3") or, when shapes
// happen to match, silently wrong updates. Keying the moments by variable name restores per-variable Adam;
// a variable a step does not train keeps its moments untouched, as in PyTorch when a parameter has no grad.

interface Moment {
  originalName: string;
  variable: Variable;
}

interface AdamState {
  accumulatedFirstMoment: (Moment | undefined)[];
  accumulatedSecondMoment: (Moment | undefined)[];
}

type Gradients = { name: string; tensor: Tensor }[] | NamedTensorMap;

const momentsByName = new WeakMap<object, Map<string, [Moment | undefined, Moment | undefined]>>();
let installed = false;

/** Make every tfjs AdamOptimizer in this thread keep its moments per variable name (idempotent). */
export function keyAdamMomentsByName(): void {
  if (installed) return;
  installed = true;
  const proto = AdamOptimizer.prototype as unknown as AdamState & {
    applyGradients: (this: AdamState, grads: Gradients) => void;
    dispose: (this: AdamState) => void;
  };
  const applyGradients = proto.applyGradients;
  const dispose = proto.dispose;
  proto.applyGradients = function (this: AdamState, grads: Gradients): void {
    const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
    const store = momentsByName.get(this) ?? new Map<string, [Moment | undefined, Moment | undefined]>();
    momentsByName.set(this, store);
    // Lay the stored moments out in this call's order; tfjs creates zeros where a slot is empty.
    this.accumulatedFirstMoment = names.map((n) => store.get(n)?.[0]);
    this.accumulatedSecondMoment = names.map((n) => store.get(n)?.[1]);
    applyGradients.call(this, grads);
    names.forEach((n, i) => store.set(n, [this.accumulatedFirstMoment[i], this.accumulatedSecondMoment[i]]));
  };
  proto.dispose = function (this: AdamState): void {
    const store = momentsByName.get(this);
    if (store) {
      // Hand tfjs every moment ever created, not only the last step's, so none leaks.
      this.accumulatedFirstMoment = [...store.values()].map((m) => m[0]).filter((m) => m !== undefined);
      this.accumulatedSecondMoment = [...store.values()].map((m) => m[1]).filter((m) => m !== undefined);
      momentsByName.delete(this);
    }
    dispose.call(this);
  };
}
