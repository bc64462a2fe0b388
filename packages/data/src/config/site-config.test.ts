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

  it('names the file, the line and the misspelt key, suggesting the nearest one', async () => {
    await tmp.write({
      'site.yaml': 'site: north\nehr:\n  path: ehr.csv\n\nimaging:\n  manifest: m.csv\n  sise: [64, 64]\n',
    });
    await expect(loadSiteConfig(tmp.path('site.yaml'))).rejects.toThrow(
      `${tmp.path('site.yaml')}:7: unknown key 'imaging.sise' (did you mean 'size'? allowed: manifest, size, resize)`,
    );
    const file = '/sites/a/site.yaml';
    // The typo is reported rather than the 'manifest' it leaves missing.
    expect(() => parseSiteConfig({ file, value: { imaging: { manfest: 'm.csv' } } })).toThrow(
      `${file}: unknown key 'imaging.manfest' (did you mean 'manifest'? allowed: manifest, size, resize)`,
    );
    expect(() => parseSiteConfig({ file, value: { ehr: { path: 'e.csv' }, zzz: 1 } })).toThrow(
      `${file}: unknown key 'zzz' (allowed: site, tasks, idColumn, missingValues, maxRejectedFraction, ehr, imaging, genomics, labels)`,
    );
    expect(() =>
      parseSiteConfig({
        file,
        value: { ehr: { path: 'e.json', loinc: { '2339-0': { feature: 'g', units: 'x' } } } },
      }),
    ).toThrow(`unknown key 'ehr.loinc.2339-0.units' (did you mean 'unit'? allowed: feature, unit)`);
  });

  it('names the path and line of a wrong type or value', async () => {
    await tmp.write({
      'site.yaml': 'ehr:\n  path: ehr.csv\ngenomics:\n  path: g.tsv\n  panel: p.txt\n  transform: log2\n',
    });
    await expect(loadSiteConfig(tmp.path('site.yaml'))).rejects.toThrow(
      `${tmp.path('site.yaml')}:6: 'genomics.transform' must be one of log1p, none, got "log2"`,
    );
    const file = '/sites/a/site.yaml';
    const ehr = { path: 'e.csv' };
    const cases: [unknown, string][] = [
      [{ ehr, tasks: 'cancer' }, `'tasks' must be a list of strings`],
      [{ ehr, tasks: ['a', 'a'] }, `'tasks' names 'a' twice`],
      [{ ehr, tasks: [] }, `'tasks' must name at least one task`],
      [{ ehr, maxRejectedFraction: 2 }, `'maxRejectedFraction' must be a number from 0 to 1`],
      [
        { imaging: { manifest: 'm', size: 'big' } },
        `'imaging.size' must be [height, width] or [height, width, channels]`,
      ],
      [
        { imaging: { manifest: 'm', size: [64, 64, 2] } },
        `'imaging.size' channels must be 1 (grey) or 3 (RGB)`,
      ],
      [{ ehr: { path: 'e.csv', format: 'xml' } }, `'ehr.format' must be one of csv, fhir, got "xml"`],
      [{ ehr: { path: ['a.csv', 'b.csv'] } }, `'ehr.path' must name one CSV file`],
      [{ ehr: { path: 'e.csv', gender: 'sex' } }, `'ehr.gender' applies only to format: fhir`],
      [{ ehr: { path: 'e.ndjson' } }, `'ehr.loinc' is required for format: fhir (LOINC code: feature)`],
      [
        { ehr: { ...ehr, numeric: ['a'], categorical: { a: null } } },
        `'ehr.categorical' names 'a', which numeric names too: a feature is one or the other`,
      ],
      [{ ehr: { ...ehr, categorical: { sex: ['F', 'F'] } } }, `'ehr.categorical.sex' names 'F' twice`],
      [
        { labels: { path: 'l.csv' } },
        'the config names no modality: add at least one of ehr, imaging, genomics',
      ],
      [[1, 2], 'the config must be a mapping of keys to values'],
    ];
    for (const [value, message] of cases) {
      expect(() => parseSiteConfig({ file, value }), message).toThrow(`${file}: ${message}`);
    }
  });

  it('names a missing required key with the line of the section that lacks it', async () => {
    await tmp.write({ 'site.yaml': 'site: north\nehr:\n  path: ehr.csv\ngenomics:\n  path: g.tsv\n' });
    const error = await loadSiteConfig(tmp.path('site.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteDataError);
    expect((error as SiteDataError).message).toBe(`${tmp.path('site.yaml')}:5: 'genomics.panel' is required`);
    expect(() => parseSiteConfig({ file: '/s.yaml', value: { imaging: { manifest: null } } })).toThrow(
      `/s.yaml: 'imaging.manifest' is required`,
    );
  });

  it('throws SiteDataError for a missing file and for broken YAML', async () => {
    await expect(loadSiteConfig(tmp.path('none.yaml'))).rejects.toThrow(/none\.yaml: file not found/);
    await tmp.write({ 'bad.yaml': 'ehr: [unclosed' });
    const error = await loadSiteConfig(tmp.path('bad.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteDataError);
    expect((error as SiteDataError).reason).toMatch(/^invalid YAML: /);
    expect((error as SiteDataError).line).toBe(1);
  });
});
