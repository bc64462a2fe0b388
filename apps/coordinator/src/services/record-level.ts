import type { FitRes } from '@fedfuse/protocol';
import { FitRecordLevel } from '@fedfuse/protocol';
import { z } from 'zod';
import type { ResolvedRunConfig } from '../run-config.ts';

/** Why a fit result cannot be accepted in a record-level run (it does not state the site's ε), or undefined. */
export function recordLevelProblem(
  config: Pick<ResolvedRunConfig, 'privacy'>,
  res: FitRes,
): string | undefined {
  if (!config.privacy.recordLevel || res.recordLevel) return undefined;
  return "a record-level DP-SGD run needs recordLevel (the site's ε) in the submission";
}

/** The part of a stored fit payload that record-level accounting reads. */
const StoredRecordLevel = z.object({ recordLevel: FitRecordLevel.optional() });

/**
 * Each site's record-level ε as it reported it: the largest over its fit results in the run (each is the
 * site's total so far, so the largest is the latest). Payloads without one are skipped.
 */
export function recordLevelBySite(
  fits: readonly { site_id: string; payload: string }[],
): Map<string, FitRecordLevel> {
  const bySite = new Map<string, FitRecordLevel>();
  for (const fit of fits) {
    const parsed = StoredRecordLevel.safeParse(JSON.parse(fit.payload));
    const reported = parsed.success ? parsed.data.recordLevel : undefined;
    if (!reported) continue;
    const known = bySite.get(fit.site_id);
    if (!known || reported.epsilon > known.epsilon) bySite.set(fit.site_id, reported);
  }
  return bySite;
}
