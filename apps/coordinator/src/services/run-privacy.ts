import type { AccountedRound, FitRecordLevel, PrivacyMechanism, RunPrivacy } from '@fedfuse/protocol';
import { DP_MECHANISM, DP_SECAGG_MECHANISM, DP_SGD_MECHANISM } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import type { CommittedPrivacy } from './dp-round.ts';
import { accountantSteps } from './dp-round.ts';

/** What a DP run's guarantee is computed from. */
export interface RunPrivacyArgs {
  /** The run's privacy settings: which mechanisms it uses. */
  mechanisms: { clientLevel: boolean; recordLevel: boolean; secureAggregation: boolean };
  /** Its committed DP-FedAvg rounds (empty without client-level DP). */
  committed: readonly CommittedPrivacy[];
  /** Each site's record-level ε as it reported it (empty without record-level DP). */
  recordLevel: ReadonlyMap<string, FitRecordLevel>;
  siteNames: ReadonlyMap<string, string>;
}

/**
 * A run's privacy: whether its rounds are securely aggregated and, for a DP run, its guarantee over its
 * committed rounds: the last one's ε (the accountant counts every round before
 * it) and, per site, the ε of the rounds its update was averaged into (same accountant and δ), next to the
 * site's own record-level ε. The two are never combined: one is per hospital, the other per patient.
 */
export function runPrivacyView(args: RunPrivacyArgs): RunPrivacy {
  const { committed, mechanisms } = args;
  const last = committed.at(-1)?.privacy;
  const delta = committed[0]?.privacy.delta ?? null;
  const bySite = new Map<string, Omit<AccountedRound, 'round'>[]>();
  for (const siteId of args.recordLevel.keys()) bySite.set(siteId, []);
  for (const { privacy } of committed)
    for (const siteId of privacy.contributors) {
      const rounds = bySite.get(siteId) ?? [];
      rounds.push({
        sampleRate: privacy.sampleRate,
        noiseMultiplier: privacy.accountedNoiseMultiplier,
        ...(privacy.skellam ? { skellam: privacy.skellam } : {}),
      });
      bySite.set(siteId, rounds);
    }
  const sites = [...bySite.entries()].map(([siteId, rounds]) => ({
    siteId,
    siteName: args.siteNames.get(siteId) ?? siteId,
    epsilon: !mechanisms.clientLevel
      ? null
      : delta === null || rounds.length === 0
        ? 0
        : computeEpsilon({ ...accountantSteps(rounds), delta }).epsilon,
    rounds: rounds.length,
    recordLevel: args.recordLevel.get(siteId) ?? null,
  }));
  return {
    mechanism: mechanismOf(mechanisms),
    secureAggregation: mechanisms.secureAggregation,
    epsilon: mechanisms.clientLevel ? (last?.epsilon ?? 0) : null,
    delta,
    rounds: committed.length,
    sites: sites.sort((a, b) => a.siteName.localeCompare(b.siteName)),
  };
}

/** Under secure aggregation the client-level noise comes from the sites (distributed Skellam). */
function mechanismOf(mechanisms: RunPrivacyArgs['mechanisms']): PrivacyMechanism | null {
  if (!mechanisms.clientLevel && !mechanisms.recordLevel) return null;
  const clientLevel = mechanisms.secureAggregation ? DP_SECAGG_MECHANISM : DP_MECHANISM;
  if (!mechanisms.recordLevel) return clientLevel;
  return mechanisms.clientLevel ? `${clientLevel}+${DP_SGD_MECHANISM}` : DP_SGD_MECHANISM;
}
