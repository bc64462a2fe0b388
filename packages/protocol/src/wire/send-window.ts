/** Arguments of sendWindowed. */
export interface SendWindowedArgs<TItem> {
  /** Most items sent and not yet answered at any moment; 1 is stop-and-wait. */
  window: number;
  /** Sends one item and resolves when it is answered: true if accepted. Must send before its first await. */
  send(item: TItem): Promise<boolean>;
  /** Stops sending more (items already sent are still awaited). */
  signal?: AbortSignal;
}

/**
 * Sends `items` in order with at most `window` unanswered at once, so a sender buffers at most `window`
 * items whatever the receiver's speed. Stops at the first refusal or abort (resolving false); a `send`
 * that throws stops the rest and rejects with its error.
 * @example await sendWindowed(transfer.chunks(), { window: 4, send: (c) => emitChunk(c) });
 */
export async function sendWindowed<TItem>(
  items: Iterable<TItem>,
  args: SendWindowedArgs<TItem>,
): Promise<boolean> {
  if (!Number.isInteger(args.window) || args.window < 1)
    throw new RangeError(`window must be a positive integer, got ${args.window}`);
  const iterator = items[Symbol.iterator]();
  let stopped = false;
  // `window` lanes pull from one iterator: pulls are synchronous, so items go out in order.
  const lane = async (): Promise<void> => {
    while (!stopped && !args.signal?.aborted) {
      const next = iterator.next();
      if (next.done) return;
      try {
        if (!(await args.send(next.value))) stopped = true;
      } catch (error) {
        stopped = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: args.window }, lane));
  return !stopped && !args.signal?.aborted;
}
