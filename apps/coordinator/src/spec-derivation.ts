import type { ModelModality, ModelSpec, SiteDataSchema } from '@fedfuse/protocol';
import { MODEL_MODALITIES } from '@fedfuse/protocol';
import { describeEhrDifference, groupSites, quoteSites, type ReportedSite } from './schema-groups.ts';

/** Model-spec fields the operator may leave out: the coordinator takes them from the sites' schemas. */
export const DERIVABLE_FIELDS = ['modalities', 'tasks', 'ehrDim', 'genomicsDim', 'imageShape'] as const;
export type DerivableField = (typeof DERIVABLE_FIELDS)[number];
export type ModelInputs = Pick<ModelSpec, DerivableField>;

export type { ReportedSite };

/** The derived inputs and the fields that came from the sites, or every disagreement found. */
export type Derivation =
  { ok: true; inputs: ModelInputs; derived: DerivableField[] } | { ok: false; problems: string[] };

/** Width used for a modality no site holds: it is outside `modalities`, so the model builds no input for it. */
type Placeholders = Pick<ModelSpec, 'ehrDim' | 'genomicsDim' | 'imageShape'>;

/**
 * Completes the model's inputs from what the operator gave and what the approved sites reported, and checks
 * that the sites agree with each other and with every explicit value. Each problem names the sites.
 */
export function deriveModelInputs(args: {
  requested: Partial<ModelInputs>;
  sites: readonly ReportedSite[];
  placeholders: Placeholders;
}): Derivation {
  const { requested, sites, placeholders } = args;
  const derived = DERIVABLE_FIELDS.filter((f) => requested[f] === undefined);
  if (sites.length === 0) return withoutReports(requested, placeholders, derived);
  const problems: string[] = [];
  const modalities = chooseModalities(requested, sites, problems);
  // A modality in the model that some site holds is agreed on; one outside it (or held by nobody) takes its placeholder.
  const agreed = (m: ModelModality) => modalities.includes(m) && holders(sites, m).length > 0;
  const inputs: ModelInputs = {
    modalities,
    tasks: chooseTasks(requested, sites, problems),
    ehrDim: agreed('ehr')
      ? agreedWidth(EHR_RULE, { requested, sites, problems })
      : (requested.ehrDim ?? placeholders.ehrDim),
    genomicsDim: agreed('genomics')
      ? agreedWidth(GENOMICS_RULE, { requested, sites, problems })
      : (requested.genomicsDim ?? placeholders.genomicsDim),
    imageShape: agreed('imaging')
      ? agreedImageShape(requested, sites, problems)
      : (requested.imageShape ?? placeholders.imageShape),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, inputs, derived };
}

/** No site has reported: a run can start only when the operator gave every input it needs. */
function withoutReports(
  requested: Partial<ModelInputs>,
  placeholders: Placeholders,
  derived: DerivableField[],
): Derivation {
  const needed = derived.filter((f) => f !== 'modalities');
  if (needed.length > 0) {
    return {
      ok: false,
      problems: [
        `no approved site has reported its data schema yet, so ${needed.map((f) => `model.${f}`).join(', ')} ` +
          'cannot be derived: start the site daemons and wait for them to connect, or give these explicitly',
      ],
    };
  }
  const modalities = requested.modalities ?? [...MODEL_MODALITIES];
  return {
    ok: true,
    inputs: { ...placeholders, ...(requested as ModelInputs), modalities },
    derived: derived.filter((f) => f === 'modalities'),
  };
}

function holders(sites: readonly ReportedSite[], modality: ModelModality): ReportedSite[] {
  return sites.filter((s) => s.schema.modalities.includes(modality));
}

function chooseModalities(
  requested: Partial<ModelInputs>,
  sites: readonly ReportedSite[],
  problems: string[],
): ModelModality[] {
  const held = MODEL_MODALITIES.filter((m) => holders(sites, m).length > 0);
  if (!requested.modalities) {
    if (held.length === 0) problems.push(`no approved site holds any EHR, imaging or genomics data`);
    return held.length > 0 ? held : [...MODEL_MODALITIES];
  }
  for (const m of requested.modalities.filter((m) => !held.includes(m))) {
    problems.push(`model.modalities includes ${m} but no approved site has ${m} data (${quoteSites(sites)})`);
  }
  return requested.modalities;
}

function chooseTasks(requested: Partial<ModelInputs>, sites: readonly ReportedSite[], problems: string[]) {
  const declared = [...new Set(sites.flatMap((s) => Object.keys(s.schema.tasks)))];
  const tasks = requested.tasks ?? declared;
  if (tasks.length === 0) problems.push(`no approved site declares a task (${quoteSites(sites)})`);
  for (const task of tasks) {
    if (sites.some((s) => trainingLabels(s.schema, task) > 0)) continue;
    const declaring = sites.filter((s) => s.schema.tasks[task] !== undefined);
    problems.push(
      declaring.length > 0
        ? `no approved site labels task '${task}' for training (declared by ${quoteSites(declaring)} with no training labels)`
        : `no approved site labels task '${task}' (their tasks: ${declared.join(', ') || 'none'})`,
    );
  }
  return tasks;
}

/** Labelled patients a site trains a task on: every split but the held-out test split. */
function trainingLabels(schema: SiteDataSchema, task: string): number {
  const splits = schema.tasks[task] ?? {};
  return Object.entries(splits).reduce((sum, [split, n]) => (split === 'test' ? sum : sum + n), 0);
}

/** How one width-bearing modality is compared: the key sites must share, and how to word a difference. */
interface WidthRule {
  field: 'ehrDim' | 'genomicsDim';
  modality: ModelModality;
  key: (s: SiteDataSchema) => string;
  width: (s: SiteDataSchema) => number;
  disagreement: (groups: ReportedSite[][]) => string;
  /** e.g. `the sites' gene panel has 12 genes`. */
  agreed: (width: number) => string;
}

const EHR_RULE: WidthRule = {
  field: 'ehrDim',
  modality: 'ehr',
  key: (s) => s.ehr?.namesHash ?? 'none',
  width: (s) => s.ehr?.dim ?? 0,
  disagreement: (groups) => `sites disagree on the EHR columns: ${describeEhrDifference(groups)}`,
  agreed: (dim) => `the sites' EHR data encodes ${dim} columns`,
};

const panelOf = (s: SiteDataSchema) =>
  s.genomics ? `${s.genomics.genes} genes (panel ${s.genomics.panelHash.slice(0, 12)})` : 'no panel';

const GENOMICS_RULE: WidthRule = {
  field: 'genomicsDim',
  modality: 'genomics',
  key: panelOf,
  width: (s) => s.genomics?.genes ?? 0,
  disagreement: (groups) =>
    `sites disagree on the gene panel: ${groups
      .map((g) => `${quoteSites(g)} ${g.length > 1 ? 'have' : 'has'} ${panelOf(g[0]!.schema)}`)
      .join('; ')}`,
  agreed: (genes) => `the sites' gene panel has ${genes} genes`,
};

/** The width every holder of the rule's modality agrees on, checked against an explicit value. */
function agreedWidth(
  rule: WidthRule,
  {
    requested,
    sites,
    problems,
  }: { requested: Partial<ModelInputs>; sites: readonly ReportedSite[]; problems: string[] },
): number {
  const explicit = requested[rule.field];
  const groups = groupSites(holders(sites, rule.modality), rule.key);
  if (groups.length > 1) {
    problems.push(rule.disagreement(groups));
    return explicit ?? 1;
  }
  const width = rule.width(groups[0]![0]!.schema);
  if (explicit !== undefined && explicit !== width) {
    problems.push(`model.${rule.field} is ${explicit} but ${rule.agreed(width)} (${quoteSites(groups[0]!)})`);
  }
  return explicit ?? width;
}

/** Sites must agree on the image shape; an explicit shape is one the sites re-read their images at. */
function agreedImageShape(
  requested: Partial<ModelInputs>,
  sites: readonly ReportedSite[],
  problems: string[],
): ModelSpec['imageShape'] {
  const shape = (s: SiteDataSchema) => (s.imageShape ?? []).join('×');
  const imaging = holders(sites, 'imaging');
  if (requested.imageShape) {
    const channels = requested.imageShape[2];
    const other = imaging.filter((s) => s.schema.imageShape?.[2] !== channels);
    if (other.length > 0)
      problems.push(
        `model.imageShape has ${channels} channel(s) but ${quoteSites(other)} ${other.length > 1 ? 'have' : 'has'} images of ${other.map((s) => shape(s.schema)).join(', ')}`,
      );
    return requested.imageShape;
  }
  const groups = groupSites(imaging, shape);
  if (groups.length > 1) {
    const parts = groups.map(
      (g) => `${quoteSites(g)} ${g.length > 1 ? 'have' : 'has'} ${shape(g[0]!.schema)}`,
    );
    problems.push(
      `sites disagree on the image shape: ${parts.join('; ')} (give model.imageShape to have every site re-read its images at one size)`,
    );
  }
  const [h, w, c] = groups[0]![0]!.schema.imageShape ?? [1, 1, 1];
  return [h, w, c];
}
