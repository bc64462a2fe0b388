import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiteDataError } from '../errors.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadSiteConfig, parseSiteConfig } from './site-config.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

describe('loadSiteConfig', () => {
  it('resolves paths against the config folder and fills defaults', async () => {
    await tmp.write({
      'site.yaml': [
        'site: north',
        'ehr:',
        '  path: ehr.csv',
        '  categorical: { sex: [F, M] }',
        'imaging: { manifest: img/manifest.csv, size: [32, 48] }',
        'genomics: { path: expr.tsv, panel: panel.txt }',
        'labels: { path: labels.csv }',
      ].join('\n'),
    });
    const config = await loadSiteConfig(tmp.path('site.yaml'));
    expect(config.site).toBe('north');
    expect(config.tasks).toEqual(['cancer', 'cardiac', 'metabolic']);
    expect(config.ehr).toEqual({
      format: 'csv',
      paths: [tmp.path('ehr.csv')],
      categorical: [{ name: 'sex', levels: ['F', 'M'] }],
    });
    expect(config.imaging).toEqual({
      manifest: tmp.path('img/manifest.csv'),
      shape: [32, 48, 1],
      resize: 'area',
    });
    expect(config.genomics?.orientation).toBe('auto');
    expect(config.labels).toEqual({
      path: tmp.path('labels.csv'),
      splitColumn: 'split',
      validationFraction: 0.15,
    });
    expect(config.maxRejectedFraction).toBe(0.5);
  });

  it('detects FHIR from the extension and reads the LOINC map in both forms', async () => {
    await tmp.write({
      'site.yaml': [
        'ehr:',
        '  path: [Patient.ndjson, Observation.ndjson]',
        '  loinc:',
        "    '2339-0': glucose",
        "    '8480-6': { feature: systolic_bp, unit: 'mm[Hg]' }",
        '  gender: sex',
        '  age: { feature: age, at: 2025-01-01 }',
      ].join('\n'),
    });
    const config = await loadSiteConfig(tmp.path('site.yaml'));
    expect(config.ehr?.format).toBe('fhir');
    expect(config.ehr?.fhir).toEqual({
      loinc: [
        { code: '2339-0', feature: 'glucose' },
        { code: '8480-6', feature: 'systolic_bp', unit: 'mm[Hg]' },
      ],
      gender: 'sex',
      age: { feature: 'age', at: '2025-01-01' },
    });
  });

  it('names the file and the misspelt key', () => {
    const file = '/sites/a/site.yaml';
    expect(() => parseSiteConfig({ file, value: { imaging: { manfest: 'm.csv' } } })).toThrow(
      "/sites/a/site.yaml: unknown key 'imaging.manfest' (allowed: manifest, size, resize)",
    );
    expect(() => parseSiteConfig({ file, value: { ehr: { path: 'e.csv' }, tasks: ['a', 'a'] } })).toThrow(
      "'tasks' names 'a' twice",
    );
    expect(() => parseSiteConfig({ file, value: { labels: { path: 'l.csv' } } })).toThrow(
      /names no modality/,
    );
    expect(() => parseSiteConfig({ file, value: { imaging: { manifest: 'm', size: [64, 64, 2] } } })).toThrow(
      /channels must be 1/,
    );
  });

  it('throws SiteDataError for a missing file and for broken YAML', async () => {
    await expect(loadSiteConfig(tmp.path('none.yaml'))).rejects.toThrow(/none\.yaml: file not found/);
    await tmp.write({ 'bad.yaml': 'ehr: [unclosed' });
    const error = await loadSiteConfig(tmp.path('bad.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteDataError);
    expect((error as SiteDataError).reason).toMatch(/^invalid YAML/);
  });
});
