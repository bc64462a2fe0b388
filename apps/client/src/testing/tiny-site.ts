import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePng } from '@fedfuse/data';
import { createRng } from '@fedfuse/model/spec';
import type { ModelSpec } from '@fedfuse/protocol';

/** A model small enough to train in well under a second on wasm, matching writeTinySite's data. */
export const tinySpec: ModelSpec = {
  fusion: 'hybrid',
  modalities: ['ehr', 'imaging', 'genomics'],
  tasks: ['cancer', 'cardiac'],
  ehrDim: 4,
  genomicsDim: 8,
  imageShape: [8, 8, 1],
  d: 4,
  ehrHidden: 4,
  genomicsHidden: 4,
  convFilters: [2],
  headHidden: 4,
  genomicsNoise: 0.1,
  l2: 1e-5,
  genomicsDecayFactor: 1,
  alignWeight: 0.01,
  reconWeight: 0.1,
  auxWeight: 0.3,
  seed: 1,
};

const GENES = ['G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8'];

/**
 * Write a small site folder in the formats @fedfuse/data reads: EHR CSV (2 numeric features → 4 model
 * inputs with missingness indicators), 8×8 PNG images, an 8-gene expression matrix and labels with a split
 * column. Patients P1..Pn; every fourth is in the test split; some lack a modality. Returns site.yaml's path.
 */
export async function writeTinySite(
  dir: string,
  options: { patients?: number; seed?: number } = {},
): Promise<string> {
  const n = options.patients ?? 24;
  const random = createRng(options.seed ?? 7);
  await mkdir(join(dir, 'images'), { recursive: true });
  const ehr = ['patient_id,age,bmi'];
  const manifest = ['patient_id,path'];
  const expression = [`sample\t${GENES.join('\t')}`];
  const labels = ['patient_id,split,cancer,cardiac'];
  for (let i = 1; i <= n; i++) {
    const id = `P${i}`;
    const cancer = random() < 0.5 ? 1 : 0;
    const cardiac = random() < 0.5 ? 1 : 0;
    if (i % 5 !== 0)
      ehr.push(
        `${id},${(50 + 10 * cancer + 8 * random()).toFixed(1)},${(22 + 5 * cardiac + 3 * random()).toFixed(1)}`,
      );
    if (i % 3 !== 0) {
      manifest.push(`${id},${id}.png`);
      const pixels = Float32Array.from(
        { length: 64 },
        (_, p) => (p < 32 && cardiac ? 0.8 : 0.2) + 0.1 * random(),
      );
      const png = encodePng({ data: pixels, width: 8, height: 8, channels: 1, bitDepth: 8 });
      await writeFile(join(dir, 'images', `${id}.png`), png);
    }
    if (i % 4 !== 1) {
      const values = GENES.map((_, g) => (g === 0 ? 20 + 60 * cancer : 10) + 10 * random());
      expression.push(`${id}\t${values.map((v) => v.toFixed(2)).join('\t')}`);
    }
    labels.push(`${id},${i % 4 === 0 ? 'test' : 'train'},${cancer},${i === 2 ? '' : cardiac}`);
  }
  ehr.push('P999,not-a-number,22.0'); // one bad row, so every load report has a rejection to show
  await writeFile(join(dir, 'ehr.csv'), `${ehr.join('\n')}\n`);
  await writeFile(join(dir, 'images', 'manifest.csv'), `${manifest.join('\n')}\n`);
  await writeFile(join(dir, 'expression.tsv'), `${expression.join('\n')}\n`);
  await writeFile(join(dir, 'panel.txt'), `${GENES.join('\n')}\n`);
  await writeFile(join(dir, 'labels.csv'), `${labels.join('\n')}\n`);
  const yaml = [
    'site: tiny',
    'tasks: [cancer, cardiac]',
    'ehr: { path: ehr.csv, numeric: [age, bmi] }',
    'imaging: { manifest: images/manifest.csv, size: [8, 8, 1] }',
    'genomics: { path: expression.tsv, panel: panel.txt }',
    'labels: { path: labels.csv }',
  ];
  const path = join(dir, 'site.yaml');
  await writeFile(path, `${yaml.join('\n')}\n`);
  return path;
}
