/**
 * Points in a round where the resilience tests kill the coordinator (FEDFUSE_CRASH_AT=point:round), each
 * on an event, never a timer: selection (round stored, nothing sent), training (the first site acknowledged
 * its instructions, no update yet), collection (first update stored), aggregation (aggregated, no
 * checkpoint), commit (checkpoint written, round not yet committed).
 */
export type CrashPoint = 'selection' | 'training' | 'collection' | 'aggregation' | 'commit';

let armed: { point: CrashPoint; round: number } | undefined;

/** Arms fault injection from a setting like `aggregation:2`; unset in production. */
export function armCrashPoint(spec: string | undefined): void {
  if (!spec) return;
  const [point, round] = spec.split(':');
  armed = { point: point as CrashPoint, round: Number(round ?? 1) };
}

/** Dies on the spot, like a power cut, when the armed point is reached. */
export function crashPoint(point: CrashPoint, round: number): void {
  if (armed && armed.point === point && armed.round === round) process.kill(process.pid, 'SIGKILL');
}
