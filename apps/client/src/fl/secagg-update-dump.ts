import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecAggLayout } from '@fedfuse/secagg';

/** One secure round's own update as this site computed it, before any mask: the privacy scan's needles. */
export interface SecAggUpdateDump {
  siteId: string;
  roundId: string;
  numExamples: number;
  groupExamples: Record<string, number>;
  layout: SecAggLayout;
  delta: Float32Array;
}

/**
 * TEST ONLY (FEDFUSE_TEST_DUMP_SECAGG_UPDATES, refused with NODE_ENV=production): writes what secure
 * aggregation exists to hide, so test/e2e can prove the coordinator never sees it. `<round>.delta.f32` and
 * `<round>.json` when the delta is handed over; `<round>.quantised.u32` when the session quantises it.
 */
export class SecAggUpdateDumper {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  delta(dump: SecAggUpdateDump): void {
    const { delta, ...meta } = dump;
    writeFileSync(join(this.dir, `${dump.roundId}.delta.f32`), Buffer.from(delta.slice().buffer));
    writeFileSync(join(this.dir, `${dump.roundId}.json`), JSON.stringify(meta));
  }

  quantised(roundId: string, words: Uint32Array): void {
    writeFileSync(join(this.dir, `${roundId}.quantised.u32`), Buffer.from(words.slice().buffer));
  }
}
