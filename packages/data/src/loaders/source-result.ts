import type { Rejection, Source } from '../errors.ts';

/** What every loader reports about one input file. */
export interface SourceSummary {
  source: Source;
  file: string;
  /** Data rows (or resources, or images) read, accepted or not. */
  records: number;
  /** Patients this file contributes after rejections. */
  accepted: number;
  rejected: Rejection[];
}
