import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toBase64 } from '@fedfuse/crypto';
import {
  ChunkReassembler,
  DEFAULT_CHUNK_WINDOW,
  EvaluateRes,
  FitRes,
  FlEvent,
  type TransferChunk,
  type TransferFetch,
} from '@fedfuse/protocol';
import { describe, expect, it, vi } from 'vitest';

import { useDaemonSite } from '../testing/daemon-site.ts';
import { evaluateIns, fitIns } from '../testing/global-model.ts';
import { AUTH } from '../testing/scripted-coordinator.ts';
import type { EnrolledSite } from '../testing/site-folder.ts';

const site = useDaemonSite();

/** What the scripted coordinator does with a delta chunk by default: reassemble it per transfer. */
function collectDelta(chunk: TransferChunk) {
  const reassembler = site.env.coordinator.deltas.get(chunk.transferId) ?? new ChunkReassembler();
  site.env.coordinator.deltas.set(chunk.transferId, reassembler);
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
    await site.start();
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    expect(await site.env.coordinator.emitWithAck(FlEvent.roundStart, ins)).toEqual([{ ok: true }]);
    const submitted = await site.env.coordinator.next(FlEvent.roundSubmit);
    const { res, delta, nonce } = await site.openSubmitted(submitted.payload, ins.roundId);
    expect(toBase64(Buffer.from(nonce, 'hex'))).toBe(res.delta.nonce);

    expect(res).toMatchObject({ runId: ins.runId, roundId: ins.roundId, numExamples: 15 });
    expect(res.lossPerEpoch).toHaveLength(2);
    expect(res.metrics.loss).toBe(res.lossPerEpoch[1]);
    expect(res.groupExamples.imaging).toBe(9);
    expect(delta.manifest).toEqual(site.model.manifest);
    expect(delta.values.every(Number.isFinite)).toBe(true);
    expect(delta.values.some((v) => v !== 0)).toBe(true);
    expect(site.env.coordinator.count(FlEvent.weightsFetch)).toBe(1);

    await site.memory.waitFor('training result accepted');
    expect(await readdir(join(site.env.dir, 'pending'))).toEqual([]);
    expect(await readdir(join(site.env.dir, 'models'))).toContain(`${site.model.modelHash}.ffwt`);
    const state = JSON.parse(await readFile(join(site.env.dir, 'state.json'), 'utf8')) as {
      lastTrained: { roundId: string };
    };
    expect(state.lastTrained.roundId).toBe(ins.roundId);
  });

  it('evaluates into counts, metrics and histograms without any patient-level value', async () => {
    await site.start();
    const ins = evaluateIns({ model: site.model, coordinator: site.env.coordinator.identity, bins: 4 });
    expect(await site.env.coordinator.emitWithAck(FlEvent.evaluateStart, ins)).toEqual([{ ok: true }]);
    const submitted = await site.env.coordinator.next(FlEvent.evaluateSubmit);
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
    await site.start();
    let cut = false;
    site.env.coordinator.respond(FlEvent.roundSubmit, (payload, socket) => {
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
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    await site.env.coordinator.emitWithAck(FlEvent.roundStart, ins);
    const first = FitRes.parse((await site.env.coordinator.next(FlEvent.roundSubmit, 0)).payload);
    const second = FitRes.parse((await site.env.coordinator.next(FlEvent.roundSubmit, 1)).payload);
    expect(second.delta).toEqual(first.delta);
    expect(site.env.coordinator.count(AUTH)).toBe(2);
    await site.memory.waitFor('training result accepted');
    expect(site.memory.entries().filter((e) => e.msg === 'local training done')).toHaveLength(1);
    expect(await readdir(join(site.env.dir, 'pending'))).toEqual([]);
  });

  it('keeps a finished result across a daemon restart and re-sends it on the next handshake', async () => {
    const { daemon } = await site.start();
    site.env.coordinator.respond(FlEvent.roundSubmit, () => undefined);
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    await site.env.coordinator.emitWithAck(FlEvent.roundStart, ins);
    const first = FitRes.parse((await site.env.coordinator.next(FlEvent.roundSubmit, 0)).payload);
    await daemon.stop();
    expect((await readdir(join(site.env.dir, 'pending'))).sort()).toEqual([
      `${ins.roundId}.json`,
      `${ins.roundId}.sealed`,
    ]);

    site.env.coordinator.respond(FlEvent.roundSubmit, (payload) => ({
      ok: true,
      data: {
        roundId: (payload as FitRes).roundId,
        messageKey: 'k',
        acceptedAt: Date.now(),
        alreadyAccepted: false,
      },
    }));
    const logged = site.memory.entries().length;
    await site.launch();
    const again = FitRes.parse((await site.env.coordinator.next(FlEvent.roundSubmit, 1)).payload);
    expect(again.delta).toEqual(first.delta);
    await site.memory.waitFor('training result accepted');
    // The restarted daemon did not train again.
    expect(
      site.memory
        .entries()
        .slice(logged)
        .some((e) => e.msg === 'local training done'),
    ).toBe(false);
    expect(await readdir(join(site.env.dir, 'pending'))).toEqual([]);
  });

  it('resumes a weights download from the first missing chunk after the connection drops', async () => {
    await site.start();
    const fetches: number[] = [];
    site.env.coordinator.respond(FlEvent.weightsFetch, (payload, socket) => {
      const { fromIndex } = payload as TransferFetch;
      fetches.push(fromIndex);
      const cut = fetches.length === 1;
      setImmediate(
        () =>
          void site.env.coordinator.stream({
            socket,
            transfer: site.model.transfer,
            fromIndex,
            count: cut ? 3 : undefined,
            thenDisconnect: cut,
          }),
      );
      return { ok: true, data: site.model.transfer.ref };
    });
    expect(site.model.transfer.ref.chunkCount).toBeGreaterThan(3);
    await site.env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model: site.model, coordinator: site.env.coordinator.identity }),
    );
    await site.env.coordinator.next(FlEvent.roundSubmit);
    expect(fetches).toEqual([0, 3]);
    expect(site.memory.entries().filter((e) => e.msg === 'resuming the model download')).toHaveLength(1);
  });

  it('asks for a window of chunks in flight, and refuses a corrupt chunk by name, fetching again from it', async () => {
    await site.start();
    const fetches: TransferFetch[] = [];
    const receipts: unknown[] = [];
    site.env.coordinator.respond(FlEvent.weightsFetch, (payload, socket) => {
      const request = payload as TransferFetch;
      fetches.push(request);
      // The first stream flips a bit of chunk 2 on the way (its header keeps the true hash); later ones are whole.
      setImmediate(() => {
        if (fetches.length > 1)
          return void site.env.coordinator.stream({
            socket,
            transfer: site.model.transfer,
            fromIndex: request.fromIndex,
          });
        const chunks = [...site.model.transfer.chunks(0)].slice(0, 3);
        chunks[2] = { ...chunks[2]!, data: chunks[2]!.data.slice() }; // chunks are views of the model
        chunks[2].data[0]! ^= 0x01;
        void sendChunks(socket, chunks).then((acks) => receipts.push(...acks));
      });
      return { ok: true, data: site.model.transfer.ref };
    });
    await site.env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model: site.model, coordinator: site.env.coordinator.identity }),
    );
    await site.env.coordinator.next(FlEvent.roundSubmit);
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
    expect(site.memory.entries().filter((e) => e.msg === 'corrupt model chunk refused')).toHaveLength(1);
  });

  it('gives up on a model whose chunks keep arriving corrupt, saying so, and stores nothing', async () => {
    await site.start();
    site.env.coordinator.respond(FlEvent.weightsFetch, (payload, socket) => {
      const { fromIndex } = payload as TransferFetch;
      setImmediate(() => {
        const view = [...site.model.transfer.chunks(fromIndex)][0]!;
        const chunk = { ...view, data: view.data.slice() }; // chunks are views of the model
        chunk.data[0]! ^= 0x01;
        void sendChunks(socket, [chunk]);
      });
      return { ok: true, data: site.model.transfer.ref };
    });
    await site.env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model: site.model, coordinator: site.env.coordinator.identity }),
    );
    const failed = await site.memory.waitFor('training round failed');
    expect(JSON.stringify(failed.err)).toMatch(
      /3 chunks of the global model arrived corrupt; last: chunk 0 of transfer/,
    );
    expect(site.env.coordinator.count(FlEvent.weightsFetch)).toBe(3);
    expect(await readdir(join(site.env.dir, 'models')).catch(() => [])).toEqual([]);
  });

  it('uploads the sealed delta with a window of chunks in flight after the first, and it opens', async () => {
    await site.start({ chunkBytes: 256 }); // a dozen chunks or so: more than a window
    const held: (() => void)[] = [];
    let mostHeld = 0;
    site.env.coordinator.respond(
      FlEvent.deltaChunk,
      (payload) =>
        new Promise((resolve) => {
          held.push(() => resolve(collectDelta(payload as TransferChunk)));
          mostHeld = Math.max(mostHeld, held.length);
        }),
    );
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    const submitted = site.env.coordinator.next(FlEvent.roundSubmit);
    let done = false;
    void submitted.then(() => (done = true));
    await site.env.coordinator.emitWithAck(FlEvent.roundStart, ins);
    // Training comes first; then the first chunk opens the transfer alone.
    await expect.poll(() => held.length, { timeout: 15_000 }).toBe(1);
    held.shift()!();
    await expect.poll(() => held.length).toBe(DEFAULT_CHUNK_WINDOW);
    for (let i = 0; i < 10_000 && !done; i++) {
      await vi.waitFor(() => expect(held.length > 0 || done).toBe(true));
      held.shift()?.();
    }
    const { delta } = await site.openSubmitted((await submitted).payload, ins.roundId);
    expect(delta.manifest).toEqual(site.model.manifest);
    expect(mostHeld).toBe(DEFAULT_CHUNK_WINDOW);
  });

  it('answers busy to a second round while training, and drops a cancelled round’s result', async () => {
    await site.start();
    site.env.coordinator.respond(FlEvent.roundSubmit, () => undefined);
    const first = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    expect(await site.env.coordinator.emitWithAck(FlEvent.roundStart, first)).toEqual([{ ok: true }]);
    const [busy] = await site.env.coordinator.emitWithAck(
      FlEvent.roundStart,
      fitIns({ model: site.model, coordinator: site.env.coordinator.identity }),
    );
    expect(busy).toEqual({
      ok: false,
      error: { code: 'busy', message: `still training round 1 (${first.roundId})` },
    });

    await site.env.coordinator.next(FlEvent.roundSubmit);
    expect(await readdir(join(site.env.dir, 'pending'))).toHaveLength(2);
    site.env.coordinator.sockets()[0]!.emit(FlEvent.roundCancelled, {
      runId: first.runId,
      roundId: first.roundId,
      reason: 'deadline',
      message: 'the round closed',
    });
    await site.memory.waitFor('discarded the result of a cancelled round');
    expect(await readdir(join(site.env.dir, 'pending'))).toEqual([]);
  });

  it('never trains on or stores a global model whose signature is for another round', async () => {
    await site.start();
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    const forged = {
      ...ins,
      model: fitIns({ model: site.model, coordinator: site.env.coordinator.identity }).model,
    };
    expect(await site.env.coordinator.emitWithAck(FlEvent.roundStart, forged)).toEqual([{ ok: true }]);
    const failed = await site.memory.waitFor('training round failed');
    expect(failed.err).toMatchObject({
      message: expect.stringMatching(/not signed by the coordinator/) as unknown,
    });
    expect(site.memory.entries().some((e) => e.msg === 'local training done')).toBe(false);
    expect(await readdir(join(site.env.dir, 'models')).catch(() => [])).toEqual([]);
  });

  it('refuses a round whose model does not fit the site data, naming the field', async () => {
    await site.start();
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    const acks = await site.env.coordinator.emitWithAck(FlEvent.roundStart, {
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
    await site.start();
    // The data fits this spec, but the global weights were built for another head: training throws.
    const ins = fitIns({ model: site.model, coordinator: site.env.coordinator.identity });
    const broken = { ...ins, modelSpec: { ...ins.modelSpec, headHidden: ins.modelSpec.headHidden + 2 } };
    expect(await site.env.coordinator.emitWithAck(FlEvent.roundStart, broken)).toEqual([{ ok: true }]);
    const failure = await site.env.coordinator.next(FlEvent.roundFailed);
    expect(failure.payload).toEqual({
      runId: ins.runId,
      roundId: ins.roundId,
      stage: 'fit',
      code: 'training_error',
      message: expect.stringMatching(/^the global model does not fit the run's model spec/) as string,
      retryable: false,
    });
    expect(site.env.coordinator.count(FlEvent.roundSubmit)).toBe(0);
  });
});
