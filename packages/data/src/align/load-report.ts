import { formatRejection, type Rejection } from '../errors.ts';
import type { SourceSummary } from '../loaders/source-result.ts';
import { PRESENCE_KEYS, type PresenceKey } from './presence.ts';

/** Patients and labels in one split. */
export interface SplitCounts {
  patients: number;
  /** Per task: patients with a 0/1 label, and how many of them are positive. */
  labelled: Record<string, number>;
  positives: Record<string, number>;
}

/** What a site load did: per-file counts, presence combinations, every rejection. */
export interface LoadReport {
  site: string;
  config: string;
  files: Omit<SourceSummary, 'rejected'>[];
  /** Patients holding each modality (after rejections), and patients with a labels row. */
  modalityCounts: { ehr: number; imaging: number; genomics: number; labels: number };
  /** Patients per presence combination; `none` patients (labels only) are not in any batch. */
  combinations: Record<PresenceKey, number>;
  splits: { train: SplitCounts; validation: SplitCounts; test: SplitCounts };
  /** Every rejected row, resource or image, in file order per source. */
  rejected: Rejection[];
  warnings: string[];
}

/** Renders a load report as plain text for a site administrator's terminal or log. */
export function formatLoadReport(report: LoadReport): string {
  const out: string[] = [`Site ${report.site} (${report.config})`, '', 'Files:'];
  for (const f of report.files) {
    out.push(`  ${f.source.padEnd(9)} ${f.file}: ${f.records} records, ${f.accepted} patients loaded`);
  }
  const m = report.modalityCounts;
  out.push(
    '',
    `Patients with EHR ${m.ehr}, imaging ${m.imaging}, genomics ${m.genomics}, labels ${m.labels}`,
  );
  out.push('', 'Presence combinations:');
  for (const key of PRESENCE_KEYS) out.push(`  ${key.padEnd(22)} ${report.combinations[key]}`);
  for (const split of ['train', 'validation', 'test'] as const) {
    const s = report.splits[split];
    const tasks = Object.keys(s.labelled)
      .map((t) => `${t} ${s.positives[t] ?? 0}/${s.labelled[t] ?? 0} positive`)
      .join(', ');
    out.push('', `${split}: ${s.patients} patients${tasks ? `; ${tasks}` : ''}`);
  }
  out.push('', `Rejected (${report.rejected.length}):`);
  for (const r of report.rejected) out.push(`  ${formatRejection(r)}`);
  if (report.warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of report.warnings) out.push(`  ${w}`);
  }
  return out.join('\n');
}
