import type { SiteConfig } from '../config/site-config.ts';
import type { Rejection, Source } from '../errors.ts';
import { assertRejectedFraction } from '../io/table.ts';
import type { SourceSummary } from '../loaders/source-result.ts';
import type { LoadReport, SplitCounts } from './load-report.ts';
import type { SiteSources } from './load-sources.ts';
import { emptyCombinationCounts, presenceKey } from './presence.ts';
import { SPLITS, type SiteData, type SiteSplit } from './site-data.ts';

const SOURCE_ORDER: readonly Source[] = ['labels', 'ehr', 'imaging', 'genomics'];

/** Inputs of {@link buildReport}. */
export interface BuildReportOptions {
  config: SiteConfig;
  sources: SiteSources;
  site: Omit<SiteData, 'report'>;
  /** Patients in no batch: labels only, or every modality rejected. */
  none: string[];
  /** Rejections found while decoding images and expression values. */
  lateRejections: Rejection[];
}

/**
 * Summarizes a load. Also refuses the load when image decoding or expression parsing
 * rejected too large a share of a file, the same rule the first pass applies to rows.
 */
export function buildReport(o: BuildReportOptions): LoadReport {
  const { site } = o;
  const summaries = fileSummaries(o);
  for (const s of summaries) {
    assertRejectedFraction({
      file: s.file,
      records: s.records,
      rejected: s.rejected,
      max: o.config.maxRejectedFraction,
    });
  }
  const combinations = emptyCombinationCounts();
  combinations.none = o.none.length;
  for (const split of SPLITS) {
    const { present, n } = site[split].batch;
    for (let i = 0; i < n; i++) combinations[presenceKey(present.subarray(i * 3, i * 3 + 3))] += 1;
  }
  const order = (r: Rejection): number => SOURCE_ORDER.indexOf(r.source);
  const rejected = summaries
    .flatMap((s) => s.rejected)
    .sort((a, b) => order(a) - order(b) || (a.line ?? a.entry ?? 0) - (b.line ?? b.entry ?? 0));
  return {
    site: o.config.site,
    config: o.config.file,
    files: summaries.map(({ rejected: _, ...rest }) => rest),
    modalityCounts: {
      ehr: presentCount(site, 0),
      imaging: presentCount(site, 1),
      genomics: presentCount(site, 2),
      labels: o.sources.labels?.records.size ?? 0,
    },
    combinations,
    splits: {
      train: splitCounts(site.train, site.tasks),
      validation: splitCounts(site.validation, site.tasks),
      test: splitCounts(site.test, site.tasks),
    },
    rejected,
    warnings: [...(o.sources.ehr?.warnings ?? []), ...heldOutWarnings(o.config, site)],
  };
}

/** Per-file summaries, with image and expression failures found while filling the batch added in. */
function fileSummaries(o: BuildReportOptions): SourceSummary[] {
  const { sources, site } = o;
  const summaries: SourceSummary[] = [];
  if (sources.labels) summaries.push(sources.labels.summary);
  if (sources.ehr) summaries.push(sources.ehr.summary);
  const late = (source: Source): Rejection[] => o.lateRejections.filter((r) => r.source === source);
  if (sources.manifest) {
    const rejected = [...sources.manifest.summary.rejected, ...late('imaging')];
    summaries.push({ ...sources.manifest.summary, accepted: presentCount(site, 1), rejected });
  }
  if (sources.genomics) {
    const { index } = sources.genomics;
    const rejected = [...index.rejected, ...late('genomics')];
    summaries.push({
      source: 'genomics',
      file: index.file,
      records: index.records,
      accepted: presentCount(site, 2),
      rejected,
    });
  }
  return summaries;
}

function presentCount(site: BuildReportOptions['site'], modality: number): number {
  return SPLITS.reduce((sum, s) => sum + countFlags(site[s].batch.present, modality), 0);
}

function countFlags(present: Uint8Array, modality: number): number {
  let count = 0;
  for (let i = modality; i < present.length; i += 3) count += present[i] as number;
  return count;
}

function splitCounts(split: SiteSplit, tasks: readonly string[]): SplitCounts {
  const counts: SplitCounts = { patients: split.batch.n, labelled: {}, positives: {} };
  tasks.forEach((task, t) => {
    let labelled = 0;
    let positives = 0;
    for (let i = 0; i < split.batch.n; i++) {
      const y = split.batch.labels[i * tasks.length + t] as number;
      if (Number.isNaN(y)) continue;
      labelled += 1;
      positives += y;
    }
    counts.labelled[task] = labelled;
    counts.positives[task] = positives;
  });
  return counts;
}

/** A site that holds out no one cannot score the model, or cannot help choose its round: say so. */
function heldOutWarnings(config: SiteConfig, site: Omit<SiteData, 'report'>): string[] {
  const warnings: string[] = [];
  const column = config.labels?.splitColumn ?? 'split';
  if (site.test.batch.n === 0)
    warnings.push(
      `no held-out test patients: no labels row has ${column}=test, so this site adds nothing to the model's test score`,
    );
  if (site.validation.batch.n === 0)
    warnings.push(
      `no validation patients: no labels row has ${column}=validation and labels.validationFraction holds out none, so this site does not help choose the best round`,
    );
  return warnings;
}
