import type { RunPrivacy } from '@fedfuse/protocol';
import { DP_MECHANISM } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import type { CommittedPrivacy } from './dp-round.ts';
import { accountantSteps } from './dp-round.ts';

/**
 * A DP run's guarantee over its committed rounds: the last one's ε (the accountant counts every round before
 * it) and, per site, the ε of the rounds its update was averaged into (same accountant and δ).
 */
export function runPrivacyView(
  committed: readonly CommittedPrivacy[],
  siteNames: ReadonlyMap<string, string>,
): RunPrivacy {
  const last = committed.at(-1)?.privacy;
  const delta = committed[0]?.privacy.delta ?? null;
  const bySite = new Map<string, { sampleRate: number; noiseMultiplier: number }[]>();
  for (const { privacy } of committed)
    for (const siteId of privacy.contributors) {
      const rounds = bySite.get(siteId) ?? [];
      rounds.push({ sampleRate: privacy.sampleRate, noiseMultiplier: privacy.accountedNoiseMultiplier });
      bySite.set(siteId, rounds);
    }
  const sites = [...bySite.entries()].map(([siteId, rounds]) => ({
    siteId,
    siteName: siteNames.get(siteId) ?? siteId,
    epsilon: delta === null ? 0 : computeEpsilon({ steps: accountantSteps(rounds), delta }).epsilon,
    rounds: rounds.length,
  }));
  return {
    mechanism: DP_MECHANISM,
    secureAggregation: false,
    epsilon: last?.epsilon ?? 0,
    delta,
    rounds: committed.length,
    sites: sites.sort((a, b) => a.siteName.localeCompare(b.siteName)),
  };
}
