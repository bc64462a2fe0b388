import type { Ack, FitRes, WeightsManifest } from '@fedfuse/protocol';
import { decodeWeights, fail, manifestHash, ok } from '@fedfuse/protocol';
import type { Identity } from '@fedfuse/crypto';
import { openDelta } from '@fedfuse/crypto';
import type { ParameterLayout } from '@fedfuse/strategy';
import { validateUpdate } from '@fedfuse/strategy';
import type { Round } from '../repositories/round.ts';
import type { ResolvedRunConfig } from '../run-config.ts';

/** A sealed fit update opened and checked: the plaintext to store and its decoded delta. */
export interface OpenedFit {
  /** The encoded delta, stored as sent. */
  payload: Uint8Array;
  /** A view of `payload`'s floats. */
  delta: Float32Array;
  norm: number;
}

/**
 * Opens a site's sealed delta for `round`, decodes it and validates it against the run's model: the CPU-heavy
 * part of a submission, which touches no shared state and so runs outside the run's lock.
 */
export async function openFit(o: {
  coordinator: Identity;
  siteBoxKey: Uint8Array;
  siteId: string;
  round: Round;
  res: FitRes;
  sealed: Uint8Array;
  config: ResolvedRunConfig;
  model: { layout: ParameterLayout; manifest: WeightsManifest };
}): Promise<Ack<OpenedFit>> {
  const { round, res, config } = o;
  const opened = openDelta({
    coordinator: o.coordinator,
    siteBoxKey: o.siteBoxKey,
    expected: { siteId: o.siteId, roundId: round.id, stage: 'fit', modelHash: round.globalHash },
    sealed: o.sealed,
    inPlace: true, // the transfer's bytes are the submission's alone (take() removed them): no copy
  });
  if (!opened.ok) return fail(opened.error.code, opened.error.message);
  const payload = alignedInPlace(opened.data.payload);
  // The floats stay in the transfer's buffer: no delta-sized copy (and no garbage) per update.
  const decoded = decodeWeights(payload, { share: true });
  if (!decoded.ok) return fail('invalid_payload', `the delta does not decode: ${decoded.error.message}`);
  const validation = validateUpdate(
    {
      weights: decoded.data.values,
      numExamples: res.numExamples,
      groupExamples: res.groupExamples,
      manifestHash: await manifestHash(decoded.data.manifest),
    },
    {
      expectedLength: o.model.manifest.numParams,
      expectedManifestHash: await manifestHash(o.model.manifest),
      maxL2Norm: normBound(config, round),
      groups: [...new Set(o.model.layout.map((e) => e.group))],
    },
  );
  if (!validation.ok)
    return fail('invalid_payload', `update refused (${validation.reason}): ${validation.message}`);
  if (round.privacy && res.privacy === undefined)
    return fail('invalid_payload', 'a differentially private round needs privacy.clipped in the submission');
  return ok({ payload, delta: decoded.data.values, norm: validation.norm });
}

/**
 * The payload moved to the nearest 4-byte boundary at or before it in its own buffer (what precedes it there is
 * the sealed header and the bound fields, already checked and of no further use), so its floats can be viewed.
 */
function alignedInPlace(payload: Uint8Array): Uint8Array {
  const shift = payload.byteOffset % 4;
  if (shift === 0) return payload;
  const whole = new Uint8Array(payload.buffer);
  const to = payload.byteOffset - shift;
  whole.copyWithin(to, payload.byteOffset, payload.byteOffset + payload.byteLength);
  return whole.subarray(to, to + payload.byteLength);
}

/** Float32 clipping at the site may land a hair above the clip: this much relative slack is allowed. */
const CLIP_SLACK = 1e-5;

/**
 * The bound a delta's L2 norm must keep: the run's maxUpdateNorm and, in a DP round, the round's clip, so a
 * site that did not clip is refused instead of breaking the noise's guarantee.
 */
function normBound(config: ResolvedRunConfig, round: Round): number | undefined {
  const clip = round.privacy ? round.privacy.clip * (1 + CLIP_SLACK) : undefined;
  if (clip === undefined) return config.maxUpdateNorm;
  return config.maxUpdateNorm === undefined ? clip : Math.min(clip, config.maxUpdateNorm);
}
