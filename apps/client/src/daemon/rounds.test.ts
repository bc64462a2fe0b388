import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBase64, openDelta, toBase64 } from '@fedfuse/crypto';
import {
  ChunkReassembler,
  DEFAULT_CHUNK_WINDOW,
  EvaluateRes,
  FitRes,
  FlEvent,
  decodeWeights,
  type TransferChunk,
  type TransferFetch,
} from '@fedfuse/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { globalModel, evaluateIns, fitIns, type GlobalModel } from '../testing/global-model.ts';
import { memoryLog, type MemoryLog } from '../testing/memory-log.ts';
import { AUTH } from '../testing/scripted-coordinator.ts';
import { enrolledSite, type EnrolledSite } from '../testing/site-folder.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec } from '../testing/tiny-site.ts';
import { silentLogger } from '../log/logger.ts';
import { Trainer } from '../trainer/trainer.ts';
import { SiteDaemon } from './site-daemon.ts';
import { FAST_TIMING } from '../testing/fast-timing.ts';

let model: GlobalModel;
let env: EnrolledSite;
let cleanup: () => Promise<void>;
let memory: MemoryLog;
let daemon: SiteDaemon | undefined;
// One worker for the whole file: starting tfjs costs seconds, loading the tiny site milliseconds.
let trainer: Trainer;

beforeAll(async () => {
  trainer = await Trainer.start({ backend: 'wasm', log: silentLogger });
});
afterAll(() => trainer.close());

beforeAll(async () => {
  model = await globalModel(tinySpec);
});
beforeEach(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  env = await enrolledSite(tmp.dir);
  memory = memoryLog();
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await env.coordinator.close();
  await cleanup();
});

async function startDaemon(chunkBytes = 1024): Promise<SiteDaemon> {
  env.coordinator.offer(model.transfer);
  const started = await SiteDaemon.start({
    dir: env.dir,
    log: memory.log,
    timing: FAST_TIMING,
    chunkBytes,
    trainer,
  });
  await env.coordinator.next(FlEvent.siteReport);
  return started;
}

/** What the coordinator does with a FitRes: reassemble, check the nonce, open, decode. */
async function openSubmitted(payload: unknown, roundId: string) {
  const res = FitRes.parse(payload);
  const bytes = await env.coordinator.deltas.get(res.delta.transfer.transferId)!.finish();
  if (!bytes.ok) throw new Error(bytes.error.message);
  const opened = openDelta({
    coordinator: env.coordinator.identity,
    siteBoxKey: fromBase64(env.coordinator.site.boxKey, 32, 'boxKey'),
    expected: { siteId: env.siteId, roundId, stage: 'fit', modelHash: model.modelHash },
    sealed: bytes.data,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  expect(toBase64(Buffer.from(opened.data.key.nonce, 'hex'))).toBe(res.delta.nonce);
  const delta = decodeWeights(opened.data.payload);
  if (!delta.ok) throw new Error(delta.error.message);
  return { res, delta: delta.data };
}

/** What the scripted coordinator does with a delta chunk by default: reassemble it per transfer. */
function collectDelta(chunk: TransferChunk) {
  const reassembler = env.coordinator.deltas.get(chunk.transferId) ?? new ChunkReassembler();
  env.coordinator.deltas.set(chunk.transferId, reassembler);
  return reassembler.push(chunk);
}

/** Emits `chunks` one after another as a coordinator would, collecting the site's receipts. */
async function sendChunks(
  socket: ReturnType<EnrolledSite['coordinator']['sockets']>[number],
  chunks: TransferChunk[],
): Promise<unknown[]> {
  const receipts: unknown[] = [];
  for (const chunk of chunks)
    receipts.push(await socket.timeout(5000).emitWithAck(FlEvent.weightsChunk, chunk));
  return receipts;
}

describe('rounds', () => {
  it('fetches and verifies the global model, trains, and submits a sealed delta the coordinator can open', async () => {
    daemon = await startDaemon();
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    expect(await env.coordinator.emitWithAck(FlEvent.roundStart, ins)).toEqual([{ ok: true }]);
    const submitted = await env.coordinator.next(FlEvent.roundSubmit);
    const { res, delta } = await openSubmitted(submitted.payload, ins.roundId);

    expect(res).toMatchObject({ runId: ins.runId, roundId: ins.roundId, numExamples: 15 });
    expect(res.lossPerEpoch).toHaveLength(2);
    expect(res.metrics.loss).toBe(res.lossPerEpoch[1]);
    expect(res.groupExamples.imaging).toBe(9);
    expect(delta.manifest).toEqual(model.manifest);
    expect(delta.values.every(Number.isFinite)).toBe(true);
    expect(delta.values.some((v) => v !== 0)).toBe(true);
    expect(env.coordinator.count(FlEvent.weightsFetch)).toBe(1);

    await memory.waitFor('training result accepted');
    expect(await readdir(join(env.dir, 'pending'))).toEqual([]);
    expect(await readdir(join(env.dir, 'models'))).toContain(`${model.modelHash}.ffwt`);
    const state = JSON.parse(await readFile(join(env.dir, 'state.json'), 'utf8')) as {
      lastTrained: { roundId: string };
    };
    expect(state.lastTrained.roundId).toBe(ins.roundId);
  });

  it('evaluates into counts, metrics and histograms without any patient-level value', async () => {
    daemon = await startDaemon();
    const ins = evaluateIns({ model, coordinator: env.coordinator.identity, bins: 4 });
    expect(await env.coordinator.emitWithAck(FlEvent.evaluateStart, ins)).toEqual([{ ok: true }]);
    const submitted = await env.coordinator.next(FlEvent.evaluateSubmit);
    const res = EvaluateRes.parse(submitted.payload);
    expect(res.numExamples).toBe(6);
    expect(Object.keys(res.tasks)).toEqual(['cancer', 'cardiac']);
    const cancer = res.tasks.cancer!;
    expect(cancer.numExamples).toBe(6);
    expect(cancer.histogram.positives.reduce((a, b) => a + b)).toBe(2);
    expect(cancer.histogram.bins).toBe(4);
    expect(Object.keys(cancer.metrics)).toEqual(expect.arrayContaining(['auc', 'f1', 'attention.genomics']));
    expect(JSON.stringify(submitted.payload)).not.toMatch(/"P\d+"|patient/i);
  });

  it('re-sends the same sealed result after the connection is cut before the receipt, without retraining', async () => {
    daemon = await startDaemon();
    let cut = false;
    env.coordinator.respond(FlEvent.roundSubmit, (payload, socket) => {
      if (cut)
        return {
          ok: true,
          data: {
            roundId: (payload as FitRes).roundId,
            messageKey: 'k',
            acceptedAt: Date.now(),
            alreadyAccepted: true,
          },
        };
      cut = true;
      socket.disconnect(true);
      return undefined;
    });
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    await env.coordinator.emitWithAck(FlEvent.roundStart, ins);
    const first = FitRes.parse((await env.coordinator.next(FlEvent.roundSubmit, 0)).payload);
    const second = FitRes.parse((await env.coordinator.next(FlEvent.roundSubmit, 1)).payload);
    expect(second.delta).toEqual(first.delta);
    expect(env.coordinator.count(AUTH)).toBe(2);
    await memory.waitFor('training result accepted');
    expect(memory.entries().filter((e) => e.msg === 'local training done')).toHaveLength(1);
    expect(await readdir(join(env.dir, 'pending'))).toEqual([]);
  });

  it('keeps a finished result across a daemon restart and re-sends it on the next handshake', async () => {
    daemon = await startDaemon();
    env.coordinator.respond(FlEvent.roundSubmit, () => undefined);
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    await env.coordinator.emitWithAck(FlEvent.roundStart, ins);
    const first = FitRes.parse((await env.coordinator.next(FlEvent.roundSubmit, 0)).payload);
    await daemon.stop();
    expect((await readdir(join(env.dir, 'pending'))).sort()).toEqual([
      `${ins.roundId}.json`,
      `${ins.roundId}.sealed`,
    ]);

    env.coordinator.respond(FlEvent.roundSubmit, (payload) => ({
      ok: true,
      data: {
        roundId: (payload as FitRes).roundId,
        messageKey: 'k',
        acceptedAt: Date.now(),
        alreadyAccepted: false,
      },
    }));
    memory = memoryLog();
    daemon = await SiteDaemon.start({ dir: env.dir, log: memory.log, timing: FAST_TIMING, trainer });
    const again = FitRes.parse((await env.coordinator.next(FlEvent.roundSubmit, 1)).payload);
    expect(again.delta).toEqual(first.delta);
    await memory.waitFor('training result accepted');
    expect(memory.entries().some((e) => e.msg === 'local training done')).toBe(false);
    expect(await readdir(join(env.dir, 'pending'))).toEqual([]);
  });

  it('resumes a weights download from the first missing chunk after the connection drops', async () => {
    daemon = await startDaemon();
    const fetches: number[] = [];
    env.coordinator.respond(FlEvent.weightsFetch, (payload, socket) => {
      const { fromIndex } = payload as TransferFetch;
      fetches.push(fromIndex);
      const cut = fetches.length === 1;
      setImmediate(
        () =>
          void env.coordinator.stream({
            socket,
            transfer: model.transfer,
            fromIndex,
            count: cut ? 3 : undefined,
            thenDisconnect: cut,
          }),
      );
      return { ok: true, data: model.transfer.ref };
    });
    expect(model.transfer.ref.chunkCount).toBeGreaterThan(3);
    await env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model, coordinator: env.coordinator.identity }),
    );
    await env.coordinator.next(FlEvent.roundSubmit);
    expect(fetches).toEqual([0, 3]);
    expect(memory.entries().filter((e) => e.msg === 'resuming the model download')).toHaveLength(1);
  });

  it('asks for a window of chunks in flight, and refuses a corrupt chunk by name, fetching again from it', async () => {
    daemon = await startDaemon();
    const fetches: TransferFetch[] = [];
    const receipts: unknown[] = [];
    env.coordinator.respond(FlEvent.weightsFetch, (payload, socket) => {
      const request = payload as TransferFetch;
      fetches.push(request);
      // The first stream flips a bit of chunk 2 on the way (its header keeps the true hash); later ones are whole.
      setImmediate(() => {
        if (fetches.length > 1)
          return void env.coordinator.stream({
            socket,
            transfer: model.transfer,
            fromIndex: request.fromIndex,
          });
        const chunks = [...model.transfer.chunks(0)].slice(0, 3);
        chunks[2] = { ...chunks[2]!, data: chunks[2]!.data.slice() }; // chunks are views of the model
        chunks[2].data[0]! ^= 0x01;
        void sendChunks(socket, chunks).then((acks) => receipts.push(...acks));
      });
      return { ok: true, data: model.transfer.ref };
    });
    await env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model, coordinator: env.coordinator.identity }),
    );
    await env.coordinator.next(FlEvent.roundSubmit);
    expect(fetches.map((f) => [f.fromIndex, f.window])).toEqual([
      [0, DEFAULT_CHUNK_WINDOW],
      [2, DEFAULT_CHUNK_WINDOW],
    ]);
    expect(receipts[2]).toEqual({
      ok: false,
      error: {
        code: 'hash_mismatch',
        message: expect.stringMatching(
          /^chunk 2 of transfer .* hashes to [0-9a-f]{64}, but its header says/,
        ) as string,
      },
    });
    expect(memory.entries().filter((e) => e.msg === 'corrupt model chunk refused')).toHaveLength(1);
  });

  it('gives up on a model whose chunks keep arriving corrupt, saying so, and stores nothing', async () => {
    daemon = await startDaemon();
    env.coordinator.respond(FlEvent.weightsFetch, (payload, socket) => {
      const { fromIndex } = payload as TransferFetch;
      setImmediate(() => {
        const view = [...model.transfer.chunks(fromIndex)][0]!;
        const chunk = { ...view, data: view.data.slice() }; // chunks are views of the model
        chunk.data[0]! ^= 0x01;
        void sendChunks(socket, [chunk]);
      });
      return { ok: true, data: model.transfer.ref };
    });
    await env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model, coordinator: env.coordinator.identity }),
    );
    const failed = await memory.waitFor('training round failed');
    expect(JSON.stringify(failed.err)).toMatch(
      /3 chunks of the global model arrived corrupt; last: chunk 0 of transfer/,
    );
    expect(env.coordinator.count(FlEvent.weightsFetch)).toBe(3);
    expect(await readdir(join(env.dir, 'models')).catch(() => [])).toEqual([]);
  });

  it('uploads the sealed delta with a window of chunks in flight after the first, and it opens', async () => {
    daemon = await startDaemon(256); // a dozen chunks or so: more than a window
    const held: (() => void)[] = [];
    let mostHeld = 0;
    env.coordinator.respond(
      FlEvent.deltaChunk,
      (payload) =>
        new Promise((resolve) => {
          held.push(() => resolve(collectDelta(payload as TransferChunk)));
          mostHeld = Math.max(mostHeld, held.length);
        }),
    );
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    const submitted = env.coordinator.next(FlEvent.roundSubmit);
    let done = false;
    void submitted.then(() => (done = true));
    await env.coordinator.emitWithAck(FlEvent.roundStart, ins);
    // Training comes first; then the first chunk opens the transfer alone.
    await expect.poll(() => held.length, { timeout: 15_000 }).toBe(1);
    held.shift()!();
    await expect.poll(() => held.length).toBe(DEFAULT_CHUNK_WINDOW);
    for (let i = 0; i < 10_000 && !done; i++) {
      await vi.waitFor(() => expect(held.length > 0 || done).toBe(true));
      held.shift()?.();
    }
    const { delta } = await openSubmitted((await submitted).payload, ins.roundId);
    expect(delta.manifest).toEqual(model.manifest);
    expect(mostHeld).toBe(DEFAULT_CHUNK_WINDOW);
  });

  it('answers busy to a second round while training, and drops a cancelled round’s result', async () => {
    daemon = await startDaemon();
    env.coordinator.respond(FlEvent.roundSubmit, () => undefined);
    const first = fitIns({ model, coordinator: env.coordinator.identity });
    expect(await env.coordinator.emitWithAck(FlEvent.roundStart, first)).toEqual([{ ok: true }]);
    const [busy] = await env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model, coordinator: env.coordinator.identity }),
    );
    expect(busy).toEqual({
      ok: false,
      error: { code: 'busy', message: `still training round 1 (${first.roundId})` },
    });

    await env.coordinator.next(FlEvent.roundSubmit);
    expect(await readdir(join(env.dir, 'pending'))).toHaveLength(2);
    env.coordinator.sockets()[0]!.emit(FlEvent.roundCancelled, {
      runId: first.runId,
      roundId: first.roundId,
      reason: 'deadline',
      message: 'the round closed',
    });
    await memory.waitFor('discarded the result of a cancelled round');
    expect(await readdir(join(env.dir, 'pending'))).toEqual([]);
  });

  it('never trains on or stores a global model whose signature is for another round', async () => {
    daemon = await startDaemon();
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    const forged = { ...ins, model: fitIns({ model, coordinator: env.coordinator.identity }).model };
    expect(await env.coordinator.emitWithAck(FlEvent.roundStart, forged)).toEqual([{ ok: true }]);
    const failed = await memory.waitFor('training round failed');
    expect(failed.err).toMatchObject({
      message: expect.stringMatching(/not signed by the coordinator/) as unknown,
    });
    expect(memory.entries().some((e) => e.msg === 'local training done')).toBe(false);
    expect(await readdir(join(env.dir, 'models')).catch(() => [])).toEqual([]);
  });

  it('refuses a round whose model does not fit the site data, naming the field', async () => {
    daemon = await startDaemon();
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    const acks = await env.coordinator.emitWithAck(FlEvent.roundStart, {
      ...ins,
      modelSpec: { ...ins.modelSpec, ehrDim: 32 },
    });
    expect(acks).toEqual([
      {
        ok: false,
        error: {
          code: 'invalid_payload',
          message: expect.stringMatching(/^modelSpec.ehrDim: .* 32 EHR features .* has 4/) as string,
        },
      },
    ]);
  });

  it('reports a training error to the coordinator at once, as not retryable, instead of going silent', async () => {
    daemon = await startDaemon();
    // The data fits this spec, but the global weights were built for another head: training throws.
    const ins = fitIns({ model, coordinator: env.coordinator.identity });
    const broken = { ...ins, modelSpec: { ...ins.modelSpec, headHidden: ins.modelSpec.headHidden + 2 } };
    expect(await env.coordinator.emitWithAck(FlEvent.roundStart, broken)).toEqual([{ ok: true }]);
    const failure = await env.coordinator.next(FlEvent.roundFailed);
    expect(failure.payload).toEqual({
      runId: ins.runId,
      roundId: ins.roundId,
      stage: 'fit',
      code: 'training_error',
      message: expect.stringMatching(/^the global model does not fit the run's model spec/) as string,
      retryable: false,
    });
    expect(env.coordinator.count(FlEvent.roundSubmit)).toBe(0);
  });
});
