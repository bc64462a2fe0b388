import { expect, it, vi } from 'vitest';
import { FlEvent } from '@fedfuse/protocol';
import { RoundService } from './services/round.service.ts';
import { tinyModel } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const fixture = perTestHarness();

it("sends a round's instruction once per connection: a resume skips it, a resync or a new connection gets it", async () => {
  const h = await fixture.start();
  const site = await fixture.site(h, 'Once');
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'resend',
    rounds: 1,
    minClients: 1,
    model: tinyModel,
    roundTimeoutSeconds: 600,
  });
  await h.api('POST', `/api/runs/${run.body.runId}/start`);
  const first = await vi.waitFor(() => site.received[0] ?? Promise.reject(new Error('no instruction yet')), {
    timeout: 20_000,
  });
  const ofThisRound = () => site.received.filter((ins) => ins.roundId === first.roundId).length;

  // What a connection racing the round's start does: its resume finds the broadcast already sent.
  await h.coordinator.app.get(RoundService).resume(site.siteId!);
  // socket.io keeps order on a connection: a re-send by that resume would arrive before this ack.
  const resync = await site.emit(FlEvent.statusResync, { runId: run.body.runId, roundId: null });
  expect(resync.ok).toBe(true);
  expect(ofThisRound()).toBe(1);
  // The resync itself is forced through.
  await expect.poll(ofThisRound, { timeout: 20_000 }).toBe(2);

  await site.handshake();
  await expect.poll(ofThisRound, { timeout: 20_000 }).toBe(3);
});
