import { implausibleTextureSums, pooledTextureNorm, type TextureNorm } from '@fedfuse/model';
import type { ModelSpec } from '@fedfuse/protocol';
import type { ReportedSite } from './schema-groups.ts';

/** Whether the run's texture energies are standardised, with what, and why not when they are not. */
export type TextureDecision =
  { norm: TextureNorm; sites: number; ignored: string[] } | { norm: null; reason: string };

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
  const sameShape = (s: ReportedSite) => s.schema.imageShape?.join('×') === spec.imageShape.join('×');
  const summed = imaging.filter((s) => sameShape(s) && s.schema.imageTexture);
  // Sums no real images give (a faulty or hostile peer) are left out and named, never pooled.
  const ignored = summed.filter((s) => implausibleTextureSums(s.schema.imageTexture!, spec.imageShape));
  const sums = summed.filter((s) => !ignored.includes(s)).map((s) => s.schema.imageTexture!);
  if (sums.length === 0)
    return {
      norm: null,
      reason: `no imaging site reported usable texture sums at ${spec.imageShape.join('×')}`,
    };
  return { norm: pooledTextureNorm(sums), sites: sums.length, ignored: ignored.map((s) => s.name) };
}

/** The decision as the audit and the run's start record say it. */
export function describeTexture(decision: TextureDecision): string {
  if (!decision.norm) return `raw (${decision.reason})`;
  const ignored =
    decision.ignored.length > 0 ? `; implausible sums ignored: ${decision.ignored.join(', ')}` : '';
  return `standardised by constants pooled over ${decision.sites} site(s)${ignored}`;
}
