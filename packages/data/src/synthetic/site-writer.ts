import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MODALITIES, type Modality } from '@fedfuse/model/spec';
import { writeDicom } from './dicom-writer.ts';
import { EHR_CATEGORICAL, EHR_NUMERIC, ehrHeader, ehrRow } from './ehr-synth.ts';
import { expressionCell, type GeneModel } from './genomics-synth.ts';
import { axialScanner, renderAxialImage } from './axial-image-synth.ts';
import { renderImage } from './image-synth.ts';
import { modalityView, type SyntheticPatient } from './latent.ts';
import { SYNTHETIC_TASKS, type ResolvedOptions } from './options.ts';
import { encodePng } from './png-writer.ts';
import { Rng } from './rng.ts';
import type { SitePlan } from './site-plan.ts';
import { TextSink } from './text-sink.ts';

/** Genes only some sites measure: not in the panel, so the loader must skip them. */
const EXTRA_GENES = 10;

/** Inputs of {@link writeSite}. */
export interface WriteSiteOptions {
  dir: string;
  plan: SitePlan;
  patients: SyntheticPatient[];
  genes: GeneModel[];
  shifts: Float64Array;
  options: ResolvedOptions;
}

/** Writes one site folder: site.yaml, ehr.csv, images/, genomics.tsv, panel.txt, labels.csv. */
export function writeSite(o: WriteSiteOptions): void {
  mkdirSync(join(o.dir, 'images'), { recursive: true });
  writeLabels(o);
  writeEhr(o);
  writeImages(o);
  writeGenomics(o);
  writeFileSync(
    join(o.dir, 'panel.txt'),
    `# FedFuse synthetic panel (${o.genes.length} genes)\n${o.genes.map((g) => g.name).join('\n')}\n`,
  );
  writeFileSync(
    join(o.dir, 'site.yaml'),
    siteConfigYaml({ site: o.plan.name, imageSize: o.options.imageSize }),
  );
}

/** A view stream per patient and modality, independent of file order and other modalities. */
function viewOf(
  o: WriteSiteOptions,
  p: SyntheticPatient,
  modality: Modality,
): { view: Float64Array; rng: Rng } {
  const rng = Rng.derive(o.options.seed, 'site', o.plan.index, p.id, modality);
  return { view: modalityView({ patient: p, modality, rng, options: o.options }), rng };
}

function writeLabels(o: WriteSiteOptions): void {
  const sink = new TextSink(join(o.dir, 'labels.csv'));
  sink.line(['patient_id', 'split', ...SYNTHETIC_TASKS].join(','));
  for (const p of o.patients) {
    sink.line([p.id, p.split, ...p.labels.map((y) => (Number.isNaN(y) ? '' : String(y)))].join(','));
  }
  sink.close();
}

function writeEhr(o: WriteSiteOptions): void {
  const sink = new TextSink(join(o.dir, 'ehr.csv'));
  sink.line(ehrHeader());
  // Rows in a shuffled order: alignment must come from patient ids, never from row order.
  for (const p of Rng.derive(o.options.seed, 'site', o.plan.index, 'ehr-order').shuffle(o.patients)) {
    if (p.present.ehr) sink.line(ehrRow({ id: p.id, ...viewOf(o, p, 'ehr') }));
  }
  sink.close();
}

/** The renderer of the options' image family, with this site's scanner. */
function imageRenderer(o: WriteSiteOptions): (view: Float64Array, rng: Rng) => Float32Array {
  const size = o.options.imageSize;
  if (o.options.imageFamily === 'chest')
    return (view, rng) => renderImage({ view, size, scanner: o.plan.scanner, rng });
  const scanner = axialScanner({ seed: o.options.seed, site: o.plan.index, shift: o.options.scannerShift });
  return (view, rng) => renderAxialImage({ view, size, scanner, rng });
}

function writeImages(o: WriteSiteOptions): void {
  const sink = new TextSink(join(o.dir, 'images', 'manifest.csv'));
  sink.line('patient_id,path');
  const size = o.options.imageSize;
  const render = imageRenderer(o);
  for (const p of o.patients) {
    if (!p.present.imaging) continue;
    const { view, rng } = viewOf(o, p, 'imaging');
    const data = render(view, rng);
    const dicom = rng.bernoulli(o.options.dicomFraction);
    const file = `${p.id}.${dicom ? 'dcm' : 'png'}`;
    const bytes = dicom
      ? dicomOf({ data, size, id: p.id, windowed: rng.bernoulli(0.5), seed: o.options.seed })
      : encodePng({ data, width: size, height: size, channels: 1, bitDepth: o.plan.pngBitDepth });
    writeFileSync(join(o.dir, 'images', file), bytes);
    sink.line(`${p.id},${file}`);
  }
  sink.close();
}

/** 12-bit CT-like storage: value = stored − 1024, and a window that maps it back to [0, 1]. */
function dicomOf(o: {
  data: Float32Array;
  size: number;
  id: string;
  windowed: boolean;
  seed: number;
}): Buffer {
  const pixels = Uint16Array.from(o.data, (v) => Math.round(v * 4095));
  const uid = `2.25.${Rng.derive(o.seed, 'uid', o.id).nextUint32()}${Rng.derive(o.seed, 'uid2', o.id).nextUint32()}`;
  return writeDicom({
    pixels,
    rows: o.size,
    columns: o.size,
    bitsStored: 12,
    rescaleSlope: 1,
    rescaleIntercept: -1024,
    ...(o.windowed ? { window: { center: 1024, width: 4096 } } : {}),
    patientId: o.id,
    instanceUid: uid,
  });
}

function writeGenomics(o: WriteSiteOptions): void {
  const measured = o.patients.filter((p) => p.present.genomics);
  const rng = Rng.derive(o.options.seed, 'site', o.plan.index, 'genomics-columns');
  const extras: GeneModel[] = Array.from({ length: EXTRA_GENES }, (_, k) => ({
    name: `X${o.plan.index + 1}_${k + 1}`,
    mean: 2,
    sd: 0.5,
    factor: -1,
    loading: 0,
  }));
  // Each site stores genes in its own order, with a few off-panel genes mixed in.
  const genes = rng.shuffle([...o.genes, ...extras]);
  const shift = (g: GeneModel): number => o.shifts[o.genes.indexOf(g)] ?? 0;
  const shifts = genes.map(shift);
  const sink = new TextSink(join(o.dir, 'genomics.tsv'));
  const views = new Map(measured.map((p) => [p.id, viewOf(o, p, 'genomics')]));
  if (o.plan.orientation === 'samples-by-genes') {
    sink.line(['sample_id', ...genes.map((g) => g.name)].join('\t'));
    for (const p of measured) {
      const { view, rng: r } = views.get(p.id) as { view: Float64Array; rng: Rng };
      sink.line(
        [p.id, ...genes.map((gene, j) => expressionCell({ gene, view, shift: shifts[j] ?? 0, rng: r }))].join(
          '\t',
        ),
      );
    }
  } else {
    sink.line(['gene_id', ...measured.map((p) => p.id)].join('\t'));
    genes.forEach((gene, j) => {
      const cells = measured.map((p) => {
        const { view, rng: r } = views.get(p.id) as { view: Float64Array; rng: Rng };
        return expressionCell({ gene, view, shift: shifts[j] ?? 0, rng: r });
      });
      sink.line([gene.name, ...cells].join('\t'));
    });
  }
  sink.close();
}

/** The site config every generated site ships with; declared types keep sites' columns identical. */
function siteConfigYaml(o: { site: string; imageSize: number }): string {
  const config = {
    site: o.site,
    tasks: [...SYNTHETIC_TASKS],
    ehr: {
      path: 'ehr.csv',
      numeric: EHR_NUMERIC.map((f) => f.name),
      categorical: Object.fromEntries(EHR_CATEGORICAL.map((c) => [c.name, c.levels])),
    },
    imaging: { manifest: 'images/manifest.csv', size: [o.imageSize, o.imageSize, 1] },
    genomics: { path: 'genomics.tsv', panel: 'panel.txt' },
    labels: { path: 'labels.csv' },
  };
  return `# FedFuse site config (generated). See docs/site-data.md.\n${stringify(config)}`;
}

/** Patients per modality and per presence pattern, for the federation summary. */
export function presenceSummary(patients: readonly SyntheticPatient[]): Record<Modality, number> {
  return Object.fromEntries(
    MODALITIES.map((m) => [m, patients.filter((p) => p.present[m]).length]),
  ) as Record<Modality, number>;
}
