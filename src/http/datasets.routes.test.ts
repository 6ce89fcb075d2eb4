import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetList } from '../../contract/index.js';
import { startTestApp } from '../../test/helpers.js';

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

async function list(query: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/datasets${query}` });
  return { status: res.statusCode, body: res.json() as DatasetList & { error?: { code: string; message: string } } };
}
const slugs = (b: DatasetList) => b.items.map((i) => i.slug);
const facet = (b: DatasetList, name: keyof DatasetList['facets'], value: string) =>
  b.facets[name].find((f) => f.value === value)?.count;

describe('GET /api/v1/datasets', () => {
  it('lists every dataset by name with paging fields', async () => {
    const { status, body } = await list('');
    expect(status).toBe(200);
    expect(body.total).toBe(6);
    expect(body.page).toBe(1);
    expect(body.per_page).toBe(20);
    expect(slugs(body)).toEqual(['alpha-lung-ct', 'beta-brain-mri', 'delta-heart-ecg', 'epsilon-abdomen', 'gamma-chest-xray', 'zeta-pneumonia-ct']);
  });

  it('ORs repeated values inside a facet and ANDs different facets', async () => {
    expect(slugs((await list('?modality=CT&modality=MRI')).body)).toEqual(['alpha-lung-ct', 'beta-brain-mri', 'epsilon-abdomen', 'zeta-pneumonia-ct']);
    expect(slugs((await list('?modality=CT&modality=MRI&organ=lung')).body)).toEqual(['alpha-lung-ct', 'zeta-pneumonia-ct']);
    expect(slugs((await list('?modality=CT&task=segmentation&labelled=true')).body)).toEqual(['alpha-lung-ct']);
    expect(slugs((await list('?format=nii.gz&format=png&data_type=image')).body)).toEqual(['gamma-chest-xray']);
  });

  it('counts each facet under the other active filters only', async () => {
    const { body } = await list('?modality=CT&organ=lung');
    // modality counts ignore the modality filter but keep organ=lung
    expect(facet(body, 'modality', 'CT')).toBe(2);
    expect(facet(body, 'modality', 'XR')).toBe(1);
    expect(facet(body, 'modality', 'MRI')).toBe(0);
    // organ counts ignore organ=lung but keep modality=CT
    expect(facet(body, 'organ', 'lung')).toBe(2);
    expect(facet(body, 'organ', 'liver')).toBe(1);
    expect(facet(body, 'organ', 'brain')).toBe(0);
    // other facets see both filters
    expect(facet(body, 'task', 'classification')).toBe(2);
    expect(facet(body, 'task', 'segmentation')).toBe(1);
    expect(facet(body, 'format', 'jpg')).toBe(1);
    expect(facet(body, 'labelled', 'true')).toBe(1);
    expect(facet(body, 'platform', 'kaggle')).toBe(1);
    expect(facet(body, 'license', 'CC-BY-4.0')).toBe(1);
    expect(facet(body, 'data_type', 'series')).toBe(1);
  });

  it('lists every vocabulary value of closed facets, with zeros', async () => {
    const { body } = await list('');
    expect(body.facets.modality).toHaveLength(15);
    expect(facet(body, 'modality', 'EEG')).toBe(0);
    expect(body.facets.organ.map((f) => f.value)).toContain('teeth');
    expect(facet(body, 'labelled', 'false')).toBe(1);
  });

  it('finds keywords by prefix in name, aliases, description and citation', async () => {
    expect(slugs((await list('?q=radiograph')).body)).toEqual(['gamma-chest-xray']);
    expect(slugs((await list('?q=ALC')).body)).toEqual(['alpha-lung-ct']);
    expect(slugs((await list('?q=friends')).body)).toEqual(['alpha-lung-ct']);
    expect(slugs((await list('?q=electrocardio')).body)).toEqual(['delta-heart-ecg']);
    expect((await list('?q=lung%20nodules')).body.total).toBe(1);
    expect((await list('?q=nonexistentword')).body.total).toBe(0);
  });

  it('ranks a name hit above a description hit', async () => {
    const { body } = await list('?q=pneumonia');
    expect(slugs(body)).toEqual(['zeta-pneumonia-ct', 'gamma-chest-xray']);
    expect(slugs((await list('?q=pneumonia&sort=name')).body)).toEqual(['gamma-chest-xray', 'zeta-pneumonia-ct']);
  });

  it('takes FTS syntax in q literally', async () => {
    for (const q of ['"', 'NEAR(a b)', 'name:alpha', '*', 'AND OR NOT', "'; DROP TABLE datasets; --"]) {
      const { status } = await list(`?q=${encodeURIComponent(q)}`);
      expect(status, q).toBe(200);
    }
    expect((await list('?q=alpha%2A%22')).body.total).toBe(1);
    expect((await list('?q=name%3Aalpha')).body.total).toBe(0);
    expect((await list('')).body.total).toBe(6);
  });

  it('sorts by files and year with unknown values last', async () => {
    expect(slugs((await list('?sort=files')).body)).toEqual(['gamma-chest-xray', 'delta-heart-ecg', 'alpha-lung-ct', 'beta-brain-mri', 'zeta-pneumonia-ct', 'epsilon-abdomen']);
    expect(slugs((await list('?sort=year')).body)).toEqual(['epsilon-abdomen', 'beta-brain-mri', 'delta-heart-ecg', 'alpha-lung-ct', 'gamma-chest-xray', 'zeta-pneumonia-ct']);
  });

  it('sorts by the last upstream change, unknown dates last', async () => {
    const { body } = await list('?sort=updated&per_page=3');
    expect(slugs(body)).toEqual(['delta-heart-ecg', 'alpha-lung-ct', 'beta-brain-mri']);
    expect(body.items[0]?.upstream_updated).toBe('2023-05-01');
  });

  it('pages without overlap and past the end returns no items', async () => {
    const p1 = (await list('?per_page=4&page=1')).body;
    const p2 = (await list('?per_page=4&page=2')).body;
    expect(p1.total).toBe(6);
    expect(slugs(p1)).toHaveLength(4);
    expect(slugs(p2)).toEqual(['gamma-chest-xray', 'zeta-pneumonia-ct']);
    expect((await list('?per_page=4&page=3')).body.items).toEqual([]);
  });

  it('filters by platform, licence and year range', async () => {
    expect(slugs((await list('?platform=kaggle')).body)).toEqual(['alpha-lung-ct', 'gamma-chest-xray']);
    expect(slugs((await list('?license=ODC-By-1.0&license=CC-BY-NC-4.0')).body)).toEqual(['beta-brain-mri', 'delta-heart-ecg']);
    expect(slugs((await list('?year_from=2019&year_to=2020')).body)).toEqual(['alpha-lung-ct', 'delta-heart-ecg']);
    expect(slugs((await list('?labelled=false')).body)).toEqual(['epsilon-abdomen']);
  });

  it.each([
    ['?modality=XRAY', 'modality'],
    ['?organ=spleen', 'organ'],
    ['?task=cooking', 'task'],
    ['?data_type=hologram', 'data_type'],
    ['?page=0', 'page'],
    ['?page=abc', 'page'],
    ['?per_page=10000', 'per_page'],
    ['?per_page=0', 'per_page'],
    ['?labelled=maybe', 'labelled'],
    ['?sort=random', 'sort'],
    ['?year_from=2022&year_to=2019', 'year_from'],
    ['?year_from=19x', 'year_from'],
    ['?format=..%2Fetc', 'format'],
    ['?color=red', 'color'],
    [`?q=${'a'.repeat(201)}`, 'q'],
  ])('rejects %s naming the parameter', async (query, param) => {
    const { status, body } = await list(query);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_parameter');
    expect(body.error?.message).toContain(param);
  });

  it('names the allowed values of an enum', async () => {
    const { body } = await list('?modality=XRAY');
    expect(body.error?.message).toMatch(/modality.*"XRAY".*allowed values: XR, CT, MRI/);
  });
});

describe('GET /api/v1/datasets/:slug and its metadata', () => {
  it('returns the whole card', async () => {
    const res = await t.app.inject('/api/v1/datasets/alpha-lung-ct');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ slug: 'alpha-lung-ct', aliases: ['ALCN'], citation: { doi: '10.1234/alpha.2019' } });
  });

  it.each([
    ['/api/v1/datasets/no-such-dataset', 404, 'not_found'],
    ['/api/v1/datasets/Bad_Slug', 400, 'invalid_parameter'],
    ['/api/v1/datasets/..%2F..%2Fetc%2Fpasswd', 400, 'invalid_parameter'],
    [`/api/v1/datasets/${'a'.repeat(81)}`, 400, 'invalid_parameter'],
    ['/api/v1/datasets/no-such-dataset/citation.bib', 404, 'not_found'],
    ['/api/v1/datasets/BAD/croissant.json', 400, 'invalid_parameter'],
    ['/api/v1/nothing-here', 404, 'not_found'],
  ])('%s -> %i', async (url, status, code) => {
    const res = await t.app.inject(url);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(typeof res.json().error.message).toBe('string');
  });

  it('serves BibTeX with escaped special characters', async () => {
    const res = await t.app.inject('/api/v1/datasets/alpha-lung-ct/citation.bib');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-bibtex');
    expect(res.body).toMatch(/^@misc\{alpha-lung-ct,\n {2}title = \{\{Alpha Lung CT Nodules\}\},/);
    expect(res.body).toContain('doi = {10.1234/alpha.2019}');
    expect(res.body).toContain('Alpha nodules \\& friends');
    expect(res.body).toContain('year = {2019}');
  });

  it('serves Croissant 1.0 JSON-LD', async () => {
    const res = await t.app.inject('/api/v1/datasets/alpha-lung-ct/croissant.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/ld+json');
    const doc = res.json();
    expect(doc['@type']).toBe('sc:Dataset');
    expect(doc.conformsTo).toBe('http://mlcommons.org/croissant/1.0');
    expect(doc['@context'].cr).toBe('http://mlcommons.org/croissant/');
    expect(doc.license).toBe('https://creativecommons.org/licenses/by/4.0/');
    expect(doc.citeAs).toContain('Tester A.');
    expect(doc.keywords).toEqual(['Computed tomography', 'Lung', 'Classification', 'Segmentation']);
    expect(doc.url).toMatch(/\/datasets\/alpha-lung-ct$/);
    expect(doc.sameAs).toBe('https://example.org/alpha');
  });
});
