import type { Modality } from '@fedfuse/model/spec';

/** Where a file-level problem was found and why; thrown, never half-loaded. */
export interface SiteDataErrorInit {
  file: string;
  reason: string;
  line?: number;
}

/** A file-level problem (missing file, bad header, unknown panel...) that stops the whole load. */
export class SiteDataError extends Error {
  readonly file: string;
  readonly reason: string;
  readonly line: number | undefined;

  constructor(init: SiteDataErrorInit) {
    super(`${init.file}${init.line === undefined ? '' : `:${init.line}`}: ${init.reason}`);
    this.name = 'SiteDataError';
    this.file = init.file;
    this.reason = init.reason;
    this.line = init.line;
  }
}

/** The modalities plus the labels file: everything a row can be rejected from. */
export type Source = Modality | 'labels';

/** One rejected row (or FHIR resource, or image) with enough context to fix it. */
export interface Rejection {
  source: Source;
  file: string;
  /** 1-based physical line in the file. */
  line?: number;
  /** 1-based entry number in a FHIR Bundle (JSON has no useful line numbers). */
  entry?: number;
  patientId?: string;
  reason: string;
}

/** Formats a rejection as `file:line (patient P): reason`, the way the load report prints it. */
export function formatRejection(r: Rejection): string {
  const where =
    r.line !== undefined
      ? `${r.file}:${r.line}`
      : r.entry !== undefined
        ? `${r.file} entry ${r.entry}`
        : r.file;
  const who = r.patientId === undefined ? '' : ` (patient ${r.patientId})`;
  return `${where}${who}: ${r.reason}`;
}
