import { describe, expect, it } from 'vitest';

import { sendWindowed } from './send-window.ts';

/** A receiver that answers only when told, recording what is unanswered at every send. */
function heldReceiver(verdict: (item: number) => boolean = () => true) {
  const pending: { item: number; answer: () => void }[] = [];
  const sent: number[] = [];
  let mostUnanswered = 0;
  return {
    sent,
    pending,
    get mostUnanswered() {
      return mostUnanswered;
    },
    send(item: number): Promise<boolean> {
      sent.push(item);
      return new Promise((resolve) => {
        pending.push({ item, answer: () => resolve(verdict(item)) });
        mostUnanswered = Math.max(mostUnanswered, pending.length);
      });
    },
    /** Answers the oldest unanswered item, then lets the sender react. */
    async answerOldest(): Promise<void> {
      pending.shift()?.answer();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

async function drain(receiver: ReturnType<typeof heldReceiver>, done: { settled: boolean }) {
  for (let i = 0; i < 1000 && !done.settled; i++) await receiver.answerOldest();
}

function track<T>(promise: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  void promise.finally(() => (state.settled = true));
  return state;
}

describe(sendWindowed.name, () => {
  it('sends every item in order, never more than `window` unanswered', async () => {
    for (const window of [1, 3, 8]) {
      const receiver = heldReceiver();
      const items = Array.from({ length: 20 }, (_, i) => i);
      const run = track(sendWindowed(items, { window, send: (i) => receiver.send(i) }));
      expect(receiver.pending).toHaveLength(window);
      await drain(receiver, run);
      expect(await run.promise).toBe(true);
      expect(receiver.sent).toEqual(items);
      expect(receiver.mostUnanswered).toBe(window);
    }
  });

  it('stops after the first refusal: nothing past the window is sent and it resolves false', async () => {
    const receiver = heldReceiver((item) => item !== 2);
    const run = track(
      sendWindowed(
        Array.from({ length: 20 }, (_, i) => i),
        { window: 4, send: (i) => receiver.send(i) },
      ),
    );
    await drain(receiver, run);
    expect(await run.promise).toBe(false);
    // Items 0..5 were out when item 2's refusal came back (items 3..5 went out as 0 and 1 were answered).
    expect(receiver.sent).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects with the error of a send that throws, sending nothing more', async () => {
    let calls = 0;
    const run = sendWindowed([1, 2, 3, 4, 5], {
      window: 2,
      send: (item) => {
        calls++;
        return item === 2 ? Promise.reject(new Error('socket closed')) : Promise.resolve(true);
      },
    });
    await expect(run).rejects.toThrow('socket closed');
    expect(calls).toBeLessThanOrEqual(3);
  });

  it('sends nothing more once aborted', async () => {
    const receiver = heldReceiver();
    const controller = new AbortController();
    const run = track(
      sendWindowed([1, 2, 3, 4, 5, 6], {
        window: 2,
        send: (i) => receiver.send(i),
        signal: controller.signal,
      }),
    );
    controller.abort();
    await drain(receiver, run);
    expect(await run.promise).toBe(false);
    expect(receiver.sent).toEqual([1, 2]);
  });

  it('refuses a window that is not a positive integer', async () => {
    await expect(sendWindowed([1], { window: 0, send: () => Promise.resolve(true) })).rejects.toThrow(
      'window must be a positive integer, got 0',
    );
  });
});
