import { describe, expect, it } from 'vitest';
import type { Ack, FitIns, TransferChunk, TransferRef } from '@fedfuse/protocol';
import {
  ChunkReassembler,
  DEFAULT_CHUNK_WINDOW,
  FlEvent,
  decodeWeights,
  manifestHash,
  sha256Hex,
} from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';
import type { TestSite } from './testing/test-site.ts';

const coordinator = perTestHarness();

// ~1.1M parameters (a 1,500-gene panel, 360 hidden units): the global model is 9 chunks of 512 KiB, so a
// window has room to matter.
const MODEL_1M = { ...tinyModel, genomicsDim: 1500, genomicsHidden: 360 };

/** A site's socket that keeps each chunk unacknowledged until the test answers it. */
class HeldChunks {
  readonly held: { chunk: TransferChunk; ack: (receipt: unknown) => void }[] = [];
  readonly arrived: number[] = [];
  /** Most chunks unacknowledged at once, seen as each arrived. */
  mostHeld = 0;
  readonly reassembler: ChunkReassembler;

  constructor(site: TestSite, ref: TransferRef) {
    this.reassembler = new ChunkReassembler({ expected: ref });
    site.socket!.off(FlEvent.weightsChunk);
    site.socket!.on(FlEvent.weightsChunk, (chunk: TransferChunk, ack: (receipt: unknown) => void) => {
      this.arrived.push(chunk.index);
      this.held.push({ chunk, ack });
      this.mostHeld = Math.max(this.mostHeld, this.held.length);
    });
  }

  /** Acknowledges the oldest held chunk as the site would (or with `refusal`). */
  answerOldest(refusal?: Ack<never>): void {
    const { chunk, ack } = this.held.shift()!;
    ack(refusal ?? this.reassembler.push(chunk));
  }
}

/** A run on the 1.1M-parameter model and the round instruction `site` got for it. */
async function roundInstruction(harness: Harness, site: TestSite): Promise<FitIns> {
  const run = await harness.api<{ runId: string }>('POST', '/api/runs', {
    name: 'download',
    rounds: 1,
    minClients: 1,
    model: MODEL_1M,
  });
  expect((await harness.api('POST', `/api/runs/${run.body.runId}/start`)).status).toBe(200);
  return waitFor(() => site.received[0]);
}

/** Everything sent before this round trip on the site's socket has arrived once it returns. */
async function roundTrip(site: TestSite): Promise<void> {
  expect((await site.emit(FlEvent.statusResync, { runId: null, roundId: null })).ok).toBe(true);
}

async function expectWholeModel(held: HeldChunks, ins: FitIns): Promise<void> {
  const bytes = await held.reassembler.finish();
  if (!bytes.ok) throw new Error(bytes.error.message);
  expect(await sha256Hex(bytes.data)).toBe(ins.model.modelHash);
  const decoded = decodeWeights(bytes.data);
  if (!decoded.ok) throw new Error(decoded.error.message);
  expect(await manifestHash(decoded.data.manifest)).toBe(ins.model.manifestHash);
}

describe('global model download over a real socket', () => {
  it('never has more than the asked window of chunks unacknowledged for a site', async () => {
    const harness = await coordinator.start();
    const site = await coordinator.site(harness, 'Hospital A');
    const ins = await roundInstruction(harness, site);
    const ref = ins.model.weights;
    expect(ref.chunkCount).toBeGreaterThanOrEqual(8);
    for (const window of [1, 3]) {
      const held = new HeldChunks(site, ref);
      const fetched = await site.emit(FlEvent.weightsFetch, {
        transferId: ref.transferId,
        fromIndex: 0,
        window,
      });
      expect(fetched).toEqual({ ok: true, data: ref });
      for (let acked = 0; acked < ref.chunkCount; acked++) {
        const expected = Math.min(window, ref.chunkCount - acked);
        await expect.poll(() => held.held.length).toBe(expected);
        // Early on, a round trip proves nothing more was on its way (later, every arrival is counted).
        if (acked < 3) await roundTrip(site);
        expect(held.held.length).toBe(expected);
        held.answerOldest();
      }
      expect(held.mostHeld).toBe(window);
      expect(held.arrived).toEqual([...Array(ref.chunkCount).keys()]);
      await expectWholeModel(held, ins);
    }
  });

  it('sends DEFAULT_CHUNK_WINDOW chunks ahead to a site that names no window', async () => {
    const harness = await coordinator.start();
    const site = await coordinator.site(harness, 'Hospital A');
    const ref = (await roundInstruction(harness, site)).model.weights;
    const held = new HeldChunks(site, ref);
    await site.emit(FlEvent.weightsFetch, { transferId: ref.transferId, fromIndex: 0 });
    await expect.poll(() => held.held.length).toBe(DEFAULT_CHUNK_WINDOW);
    await roundTrip(site);
    expect(held.arrived).toEqual([...Array(DEFAULT_CHUNK_WINDOW).keys()]);
  });

  it('resumes from the first missing chunk after the connection drops mid-download; the model hashes right', async () => {
    const harness = await coordinator.start();
    const site = await coordinator.site(harness, 'Hospital A');
    const ins = await roundInstruction(harness, site);
    const ref = ins.model.weights;
    const first = new HeldChunks(site, ref);
    await site.emit(FlEvent.weightsFetch, { transferId: ref.transferId, fromIndex: 0, window: 3 });
    for (let acked = 0; acked < 4; acked++) {
      await expect.poll(() => first.held.length).toBe(3);
      first.answerOldest();
    }
    site.socket!.disconnect(); // chunks 4..6 were in flight, unacknowledged
    expect(first.reassembler.nextIndex).toBe(4);

    expect((await site.handshake()).ok).toBe(true);
    const resumed = new HeldChunks(site, ref);
    Object.assign(resumed, { reassembler: first.reassembler });
    await site.emit(FlEvent.weightsFetch, { transferId: ref.transferId, fromIndex: 4, window: 3 });
    for (let acked = 4; acked < ref.chunkCount; acked++) {
      await expect.poll(() => resumed.held.length).toBeGreaterThan(0);
      resumed.answerOldest();
    }
    expect(resumed.arrived).toEqual([...Array(ref.chunkCount).keys()].slice(4));
    await expectWholeModel(resumed, ins);
  });

  it('stops sending at a refused chunk, and sends from it again when the site asks', async () => {
    const harness = await coordinator.start();
    const site = await coordinator.site(harness, 'Hospital A');
    const ins = await roundInstruction(harness, site);
    const ref = ins.model.weights;
    const held = new HeldChunks(site, ref);
    await site.emit(FlEvent.weightsFetch, { transferId: ref.transferId, fromIndex: 0, window: 2 });
    await expect.poll(() => held.held.length).toBe(2);
    held.answerOldest();
    held.answerOldest({
      ok: false,
      error: { code: 'hash_mismatch', message: 'chunk 1 corrupted on the way' },
    });
    await expect.poll(() => held.held.length).toBe(1); // chunk 2 went out when chunk 0 was acknowledged
    await roundTrip(site);
    expect(held.arrived).toEqual([0, 1, 2]);
    held.answerOldest();

    await site.emit(FlEvent.weightsFetch, { transferId: ref.transferId, fromIndex: 1, window: 2 });
    // Chunk 2 comes again and is acknowledged as a duplicate: the coordinator goes on past it.
    for (let acked = 1; acked <= ref.chunkCount - 1; acked++) {
      await expect.poll(() => held.held.length).toBeGreaterThan(0);
      held.answerOldest();
    }
    expect(held.arrived.slice(3)).toEqual([...Array(ref.chunkCount).keys()].slice(1));
    await expectWholeModel(held, ins);
  });
});
