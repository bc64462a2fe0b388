import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The encoded EHR block every site shares: 3 numeric, 2 + 3 one-hot levels, 3 missingness indicators. */
export const EHR_DIM = 3 + 2 + 3 + 3;

/** Deterministic, well-spread numbers in [0, 1): the fractional parts of k·√p (Weyl sequences). */
function sequence(prime: number, seed: number): () => number {
  let k = seed * 97;
  return () => {
    k += 1;
    const x = k * Math.sqrt(prime);
    return x - Math.floor(x);
  };
}

/** A tabular cohort: EHR only, one task (`outcome`, driven by age and smoking), a quarter held out as test. */
export function writeEhrOnlySite(dir: string, seed: number): string {
  mkdirSync(dir, { recursive: true });
  const ages = sequence(2, seed);
  const smokers = sequence(3, seed);
  const noise = sequence(5, seed);
  const other = sequence(7, seed);
  const ehr = ['patient_id,age,bmi,glucose,sex,smoking'];
  const labels = ['patient_id,split,outcome'];
  for (let i = 1; i <= 80; i++) {
    const age = 30 + 50 * ages();
    const smoking = ['never', 'former', 'current'][Math.floor(3 * smokers())]!;
    const risk = (age - 55) / 10 + (smoking === 'current' ? 1.5 : 0) + noise() - 0.5;
    ehr.push(
      [
        `S${seed}P${i}`,
        age.toFixed(1),
        (20 + 10 * other()).toFixed(1),
        (80 + 40 * other()).toFixed(0),
        other() < 0.5 ? 'F' : 'M',
        smoking,
      ].join(','),
    );
    labels.push(`S${seed}P${i},${i % 4 === 0 ? 'test' : 'train'},${risk > 0 ? 1 : 0}`);
  }
  writeFileSync(join(dir, 'ehr.csv'), `${ehr.join('\n')}\n`);
  writeFileSync(join(dir, 'labels.csv'), `${labels.join('\n')}\n`);
  const yaml = [
    `site: cohort-${seed}`,
    'tasks: [outcome]',
    'ehr:',
    '  path: ehr.csv',
    '  numeric: [age, bmi, glucose]',
    '  categorical: { sex: [F, M], smoking: [never, former, current] }',
    'labels: { path: labels.csv }',
  ];
  writeFileSync(join(dir, 'site.yaml'), `${yaml.join('\n')}\n`);
  return join(dir, 'site.yaml');
}
