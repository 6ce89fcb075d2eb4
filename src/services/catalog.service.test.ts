import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, migrateToLatest, openSqlite } from '../db/database.js';
import { CatalogError } from '../domain/errors.js';
import { readCardFiles } from '../repos/catalog-files.repo.js';
import { createDatasetsRepo } from '../repos/datasets.repo.js';
import { copyCatalog, FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { createCatalogService, parseCards } from './catalog.service.js';

let tmp: ReturnType<typeof tempDir>;
let dir: string;
let db: Db;
let service: ReturnType<typeof createCatalogService>;
const sources = () => [{ dir, display: 'catalog/datasets' }];
const rows = async () => (await db.selectFrom('datasets').select(['slug', 'name']).orderBy('slug').execute());
const ftsCount = async (word: string) =>
  (await db.selectFrom('datasets_fts').select('slug').where(sql<boolean>`datasets_fts MATCH ${word}`).execute()).length;

beforeEach(async () => {
  tmp = tempDir();
  dir = copyCatalog(FIXTURE_CATALOG, join(tmp.dir, 'catalog'));
  db = openSqlite(join(tmp.dir, 'medimg.db'));
  await migrateToLatest(db);
  service = createCatalogService({ readCardFiles, datasets: createDatasetsRepo(db) });
});
afterEach(async () => {
  await db.destroy();
  tmp.cleanup();
});

describe('catalog sync', () => {
  it('inserts new, updates changed, deletes removed and leaves the rest', async () => {
    expect(await service.sync(sources())).toEqual({ inserted: 6, updated: 0, removed: 0, unchanged: 0 });
    expect(await service.sync(sources())).toEqual({ inserted: 0, updated: 0, removed: 0, unchanged: 6 });

    const file = join(dir, 'beta-brain-mri.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Beta Brain MRI Tumours', 'Beta Brain MRI Gliomas'));
    rmSync(join(dir, 'zeta-pneumonia-ct.yaml'));
    expect(await service.sync(sources())).toEqual({ inserted: 0, updated: 1, removed: 1, unchanged: 4 });

    const now = await rows();
    expect(now.map((r) => r.slug)).toEqual(['alpha-lung-ct', 'beta-brain-mri', 'delta-heart-ecg', 'epsilon-abdomen', 'gamma-chest-xray']);
    expect(now.find((r) => r.slug === 'beta-brain-mri')?.name).toBe('Beta Brain MRI Gliomas');
    // derived rows follow: the search index and facet values of the removed card are gone
    expect(await ftsCount('gliomas')).toBe(1);
    expect(await ftsCount('tumours')).toBe(0);
    expect(await db.selectFrom('dataset_values').selectAll().where('slug', '=', 'zeta-pneumonia-ct').execute()).toEqual([]);
  });

  it('a bad card stops the sync and leaves the database exactly as it was', async () => {
    await service.sync(sources());
    const before = await db.selectFrom('datasets').selectAll().orderBy('slug').execute();
    writeFileSync(join(dir, 'alpha-lung-ct.yaml'), readFileSync(join(dir, 'alpha-lung-ct.yaml'), 'utf8').replace('Alpha Lung', 'Changed'));
    rmSync(join(dir, 'gamma-chest-xray.yaml'));
    writeFileSync(join(dir, 'broken.yaml'), 'slug: broken\nname: [unclosed\n');
    await expect(service.sync(sources())).rejects.toBeInstanceOf(CatalogError);
    expect(await db.selectFrom('datasets').selectAll().orderBy('slug').execute()).toEqual(before);
  });
});

describe('card validation messages', () => {
  const check = (name: string, text: string) => parseCards([{ path: `catalog/datasets/${name}`, fileName: name, text }]).problems;
  const base = readFileSync(join(FIXTURE_CATALOG, 'gamma-chest-xray.yaml'), 'utf8');

  it('names the file, the field and the allowed values', () => {
    const problems = check('gamma-chest-xray.yaml', base.replace('modalities: [XR]', 'modalities: [XRAY]'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^catalog\/datasets\/gamma-chest-xray\.yaml: modalities\[0\]: invalid value "XRAY"; allowed values: XR, CT, MRI, PET, US/);
  });

  it.each([
    ['organs: [lung]', 'organs: [spleen]', /organs\[0\]: invalid value "spleen"; allowed values: lung, brain/],
    ['data_type: image', 'data_type: picture', /data_type: invalid value "picture"; allowed values: image, series, video, audio, signal/],
    ['file_count_unit: images', 'file_count_unit: pictures', /file_count_unit: invalid value/],
    ['file_count_unit: images\n', '', /file_count_unit: file_count needs file_count_unit/],
    ['year: 2018', 'year: "last year"', /year: /],
    ['name: Gamma Chest Radiographs', 'name: <b>Gamma</b>', /name: must be plain text/],
    ['name: Gamma Chest Radiographs', 'nmae: typo', /unknown field\(s\) nmae/],
    ['url: "https://example.org/gamma"', 'url: "javascript:alert(1)"', /source\.url: /],
    ['fact_sources: [{ fields: [name], source: test fixture }]', 'fact_sources: []', /fact_sources: /],
  ])('%s -> %s', (from, to, message) => {
    const problems = check('gamma-chest-xray.yaml', base.replace(from, to));
    expect(problems.join('\n')).toMatch(message);
    expect(problems.every((p) => p.startsWith('catalog/datasets/gamma-chest-xray.yaml: '))).toBe(true);
  });

  it('requires the slug to equal the file name and to be unique', () => {
    expect(check('other-name.yaml', base)).toEqual(['catalog/datasets/other-name.yaml: slug: "gamma-chest-xray" must equal the file name "other-name"']);
    const twice = parseCards([
      { path: 'a/gamma-chest-xray.yaml', fileName: 'gamma-chest-xray.yaml', text: base },
      { path: 'b/gamma-chest-xray.yaml', fileName: 'gamma-chest-xray.yaml', text: base },
    ]);
    expect(twice.problems).toEqual(['b/gamma-chest-xray.yaml: slug: "gamma-chest-xray" is already used by a/gamma-chest-xray.yaml']);
  });

  it('reports YAML syntax errors and duplicate keys with the file name', () => {
    expect(check('x.yaml', 'slug: x\nslug: y\n')[0]).toMatch(/^catalog\/datasets\/x\.yaml: YAML error: .*unique/i);
    expect(check('x.yaml', 'a: [1, 2\n')[0]).toMatch(/^catalog\/datasets\/x\.yaml: YAML error/);
  });
});
