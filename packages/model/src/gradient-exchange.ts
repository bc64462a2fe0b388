// Control words at the head of the shared buffer.
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
const CONTROL_BYTES = 16;
const WAIT_SLICE_MS = 1000;

/** What a replica throws when another one failed and the step cannot complete. */
export const ANOTHER_REPLICA_FAILED = 'another training replica failed';

/** Where one replica stands in a data-parallel group that shares one buffer. */
export interface ExchangeSeat {
  buffer: SharedArrayBuffer;
  replicas: number;
  index: number;
  /** Floats each replica contributes per step. */
  size: number;
  /** How long a replica waits for the others at one step before it gives up. */
  waitLimitMs: number;
}

/**
 * Sums equal-length vectors across replica threads every step (an all-reduce): each replica writes its
 * vector into its own slot, sums its share of the positions over every slot, then reads the whole sum.
 * Synchronous (Atomics.wait), so a training loop stays a plain loop.
 */
export class GradientExchange {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;
  private readonly sum: Float32Array;
  private readonly weights: Float32Array;

  constructor(private readonly seat: ExchangeSeat) {
    this.control = new Int32Array(seat.buffer, 0, CONTROL_BYTES / 4);
    this.slots = new Float32Array(seat.buffer, CONTROL_BYTES, seat.replicas * seat.size);
    const sumAt = CONTROL_BYTES + seat.replicas * seat.size * 4;
    this.sum = new Float32Array(seat.buffer, sumAt, seat.size);
    this.weights = new Float32Array(seat.buffer, sumAt + seat.size * 4, seat.size);
  }

  /** A buffer for `replicas` replicas exchanging `size` floats each. */
  static allocate(replicas: number, size: number): SharedArrayBuffer {
    // Each replica's slot, the sum, and the weights of reduceAndUpdate.
    return new SharedArrayBuffer(CONTROL_BYTES + (replicas + 2) * size * 4);
  }

  /** Wakes every waiting replica with an error: one of them failed and the step cannot complete. */
  static abort(buffer: SharedArrayBuffer): void {
    const control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    Atomics.store(control, ABORTED, 1);
    Atomics.notify(control, GENERATION);
  }

  get index(): number {
    return this.seat.index;
  }

  get replicas(): number {
    return this.seat.replicas;
  }

  /**
   * This replica's slot: a step's values may be written here directly instead of passed in a copy.
   * Safe to write between calls: every replica has read it by the time its call returns.
   */
  get ownSlot(): Float32Array {
    const { index, size } = this.seat;
    return this.slots.subarray(index * size, (index + 1) * size);
  }

  /** The element-wise sum of every replica's `values`; valid until this replica's next call. */
  allReduce(values: Float32Array): Float32Array {
    this.sumShare(values);
    // Nobody writes a slot again before every replica has read the sum: the next write follows this
    // barrier, and the next sum follows the next step's first barrier.
    this.barrier();
    return this.sum;
  }

  /**
   * allReduce fused with a sharded optimizer step: `update` writes the new weights of this replica's
   * share of the positions from that share of the sum, and every replica gets the whole sum and all the
   * weights. Each replica updates a share instead of all of them. Valid until this replica's next call.
   */
  reduceAndUpdate(
    values: Float32Array,
    update: (sum: Float32Array, share: { from: number; to: number }, weights: Float32Array) => void,
  ): { sum: Float32Array; weights: Float32Array } {
    const share = this.sumShare(values);
    update(this.sum, share, this.weights);
    // As in allReduce: the weights are written again only after the next step's first barrier.
    this.barrier();
    return { sum: this.sum, weights: this.weights };
  }

  /** Writes this replica's values, waits for the others, and sums its share of the positions. */
  private sumShare(values: Float32Array): { from: number; to: number } {
    const { replicas, index, size } = this.seat;
    if (values.length !== size)
      throw new Error(`GradientExchange: expected ${size} values, got ${values.length}`);
    const inPlace = values.buffer === this.slots.buffer && values.byteOffset === this.ownSlot.byteOffset;
    if (!inPlace) this.slots.set(values, index * size);
    this.barrier();
    const share = Math.ceil(size / replicas);
    const from = Math.min(index * share, size);
    const to = Math.min(from + share, size);
    this.sum.set(this.slots.subarray(from, to), from);
    for (let r = 1; r < replicas; r++) {
      const slot = this.slots.subarray(r * size, (r + 1) * size);
      for (let i = from; i < to; i++) this.sum[i]! += slot[i]!;
    }
    return { from, to };
  }

  private barrier(): void {
    const control = this.control;
    const generation = Atomics.load(control, GENERATION);
    if (Atomics.add(control, ARRIVED, 1) === this.seat.replicas - 1) {
      Atomics.store(control, ARRIVED, 0);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
    } else {
      const deadline = performance.now() + this.seat.waitLimitMs;
      while (Atomics.load(control, GENERATION) === generation) {
        this.throwIfAborted();
        const left = deadline - performance.now();
        if (left <= 0)
          throw new Error(`a training replica did not reach the step within ${this.seat.waitLimitMs} ms`);
        Atomics.wait(control, GENERATION, generation, Math.min(left, WAIT_SLICE_MS));
      }
    }
    this.throwIfAborted();
  }

  private throwIfAborted(): void {
    if (Atomics.load(this.control, ABORTED) === 1) throw new Error(ANOTHER_REPLICA_FAILED);
  }
}
