import { describe, expect, it } from 'vitest';
import { Identity, sealDelta } from '@fedfuse/crypto';
import type { FitRes, WeightsManifest } from '@fedfuse/protocol';
import { encodeWeights } from '@fedfuse/protocol';
import type { Round } from '../repositories/round.ts';
import { newRound } from '../repositories/round.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { openFit } from './fit-opening.ts';

const P = 1001;
const manifest: WeightsManifest = { dtype: 'float32', tensors: [{ name: 'w', shape: [P] }], numParams: P };
const model = { manifest, layout: [{ name: 'w', offset: 0, length: P, group: 'ehr' }] };
const modelHash = 'ab'.repeat(32);

function roundFor(id: string): Round {
  return newRound({
    id,
    runId: 'run',
    number: 1,
    attempt: 0,
    selectedSites: [],
    globalHash: modelHash,
    startedAt: 0,
    deadlineAt: 1,
  });
}

describe('openFit', () => {
  it('opens a delta wherever its floats fall in the sealed bytes, viewing them in place, bit for bit', async () => {
    const coordinator = Identity.generate({ role: 'coordinator', id: 'coordinator' });
    const site = Identity.generate({ role: 'site', id: 'site' });
    const delta = new Float32Array(P).map((_, i) => (i - 500) / 7);
    const offsets = new Set<number>();
    const sealedAt = new Set<number>();
    // Round ids of four lengths move the payload through every alignment inside the sealed bytes.
    for (const roundId of ['r', 'r2', 'r23', 'r234']) {
      const round = roundFor(roundId);
      const payload = encodeWeights({ manifest, values: delta });
      const { sealed } = sealDelta({
        site,
        coordinatorBoxKey: coordinator.boxPublicKey,
        context: { siteId: 'site', roundId, stage: 'fit', modelHash },
        payload,
      });
      // sealed = header | AES-GCM(bound fields ‖ payload) | 16-byte tag: where the payload's plaintext lands.
      sealedAt.add((sealed.length - 16 - payload.length) % 4);
      const opened = await openFit({
        coordinator,
        siteBoxKey: site.boxPublicKey,
        siteId: 'site',
        round,
        res: { numExamples: 5, groupExamples: {} } as unknown as FitRes,
        sealed,
        config: {} as ResolvedRunConfig,
        model,
      });
      if (!opened.ok) throw new Error(opened.error.message);
      expect(opened.data.delta.buffer).toBe(sealed.buffer);
      expect(Array.from(opened.data.delta)).toEqual(Array.from(delta));
      expect(opened.data.payload).toEqual(payload);
      offsets.add(opened.data.payload.byteOffset % 4);
    }
    expect(sealedAt).toEqual(new Set([0, 1, 2, 3]));
    expect(offsets).toEqual(new Set([0]));
  });
});
