import { MODALITIES } from '@fedfuse/model/spec';

/** A presence combination, e.g. `ehr+genomics`, or `none`. */
export type PresenceKey =
  | 'ehr+imaging+genomics'
  | 'ehr+imaging'
  | 'ehr+genomics'
  | 'imaging+genomics'
  | 'ehr'
  | 'imaging'
  | 'genomics'
  | 'none';

/** All eight combinations, fullest first, in the order reports print them. */
export const PRESENCE_KEYS: readonly PresenceKey[] = [
  'ehr+imaging+genomics',
  'ehr+imaging',
  'ehr+genomics',
  'imaging+genomics',
  'ehr',
  'imaging',
  'genomics',
  'none',
];

/** The combination key of one patient's three presence flags (ehr, imaging, genomics). */
export function presenceKey(flags: ArrayLike<number>): PresenceKey {
  const names = MODALITIES.filter((_, i) => flags[i] === 1);
  return (names.length === 0 ? 'none' : names.join('+')) as PresenceKey;
}

/** A zeroed count for every combination. */
export function emptyCombinationCounts(): Record<PresenceKey, number> {
  return Object.fromEntries(PRESENCE_KEYS.map((k) => [k, 0])) as Record<PresenceKey, number>;
}
