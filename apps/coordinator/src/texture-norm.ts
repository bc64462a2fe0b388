import { TEXTURE_ENERGIES_PER_CHANNEL, pooledTextureNorm, type TextureNorm } from '@fedfuse/model';
import type { ModelSpec } from '@fedfuse/protocol';
import type { ReportedSite } from './schema-groups.ts';

/** Whether the run's texture energies are standardised, with what, and why not when they are not. */
export type TextureDecision = { norm: TextureNorm; sites: number } | { norm: null; reason: string };

/**
 * The constants a run standardises its imaging encoder's texture energies with, pooled from the sums the
 * imaging sites reported at the model's image shape. None when the model reads no raw texture, when the
 * operator set them, or when a site's daemon predates the sums (it would build the energies raw).
 */
export function federationTextureNorm(
  spec: Pick<
    ModelSpec,
    'modalities' | 'imageShape' | 'imageTexture' | 'imageStandardize' | 'imageTextureNorm'
  >,
  sites: readonly ReportedSite[],
): TextureDecision {
  if (!spec.modalities.includes('imaging') || spec.imageTexture === false || spec.imageStandardize === false)
    return { norm: null, reason: 'the model reads no texture energies of standardised images' };
  if (spec.imageTextureNorm) return { norm: null, reason: 'the run gives model.imageTextureNorm' };
  const imaging = sites.filter((s) => s.schema.modalities.includes('imaging'));
  const older = imaging.filter((s) => s.schema.imageTexture === undefined);
  if (older.length > 0)
    return { norm: null, reason: `${older.map((s) => s.name).join(', ')} did not report texture sums` };
  const width = TEXTURE_ENERGIES_PER_CHANNEL * spec.imageShape[2];
  const sameShape = (s: ReportedSite) => s.schema.imageShape?.join('×') === spec.imageShape.join('×');
  const sums = imaging
    .filter((s) => sameShape(s) && s.schema.imageTexture?.sum.length === width)
    .map((s) => s.schema.imageTexture!);
  if (sums.length === 0)
    return { norm: null, reason: `no imaging site reported texture sums at ${spec.imageShape.join('×')}` };
  return { norm: pooledTextureNorm(sums), sites: sums.length };
}

/** The decision as the audit and the run's start record say it. */
export function describeTexture(decision: TextureDecision): string {
  return decision.norm
    ? `standardised by constants pooled over ${decision.sites} site(s)`
    : `raw (${decision.reason})`;
}
