import { describe, expect, it } from 'vitest';
import type { Card } from '../../contract/index.js';
import { countUpdateKinds, resolveUpdateSource, sourceFromUrl } from './update-source.js';

const card = (sourceUrl: string, update_check?: Card['update_check'], platform: Card['source']['platform'] = 'other'): Card => ({
  slug: 'x', name: 'X', description: 'd', data_type: 'image', modalities: ['CT'], organs: ['lung'],
  source: { platform, url: sourceUrl }, fact_sources: [{ fields: ['name'], source: 'https://example.org' }], update_check,
} as Card);

describe('sourceFromUrl', () => {
  it.each([
    ['https://zenodo.org/records/5895068', { kind: 'zenodo', recordId: '5895068' }],
    ['https://zenodo.org/record/4498364', { kind: 'zenodo', recordId: '4498364' }],
    ['https://doi.org/10.5281/zenodo.7153326', { kind: 'zenodo', recordId: '7153326' }],
    ['https://physionet.org/content/ptb-xl/1.0.3/', { kind: 'physionet', project: 'ptb-xl' }],
    ['https://physionet.org/content/mimic-cxr/', { kind: 'physionet', project: 'mimic-cxr' }],
    ['https://github.com/ieee8023/covid-chestxray-dataset', { kind: 'github', owner: 'ieee8023', repo: 'covid-chestxray-dataset' }],
    ['https://github.com/o/r.git', { kind: 'github', owner: 'o', repo: 'r' }],
    ['https://huggingface.co/datasets/a/b', { kind: 'huggingface', dataset: 'a/b' }],
    ['https://www.kaggle.com/datasets/xiaoweixumedicalai/imagecas/', { kind: 'kaggle', dataset: 'xiaoweixumedicalai/imagecas' }],
    ['https://www.kaggle.com/nih-chest-xrays/data', { kind: 'kaggle', dataset: 'nih-chest-xrays/data' }],
    ['https://airogs.grand-challenge.org/data-and-challenge/', { kind: 'grand-challenge', challenge: 'airogs' }],
  ])('%s', (url, expected) => {
    expect(sourceFromUrl(url)).toMatchObject({ ...expected, url });
  });

  it.each([
    'https://www.kaggle.com/c/aptos2019-blindness-detection',
    'https://stanfordmlgroup.github.io/competitions/chexpert/',
    'https://github.com/',
    'https://huggingface.co/bert-base',
    'not a url',
  ])('%s gets no specific adapter', (url) => {
    expect(sourceFromUrl(url)).toBeUndefined();
  });
});

describe('resolveUpdateSource', () => {
  it('prefers an explicit locator over the URLs', () => {
    const c = card('https://github.com/a/b', { method: 'zenodo', url: null, record_id: '42' });
    expect(resolveUpdateSource(c)).toEqual({ kind: 'zenodo', recordId: '42', url: 'https://github.com/a/b' });
  });
  it('derives from the update-check URL first, then the source URL', () => {
    expect(resolveUpdateSource(card('https://github.com/a/b', { method: 'http', url: 'https://zenodo.org/records/7' }))?.kind).toBe('zenodo');
    expect(resolveUpdateSource(card('https://github.com/a/b', { method: 'http', url: 'https://lab.example.org/data' }))?.kind).toBe('github');
  });
  it('falls back to HTTP on the update-check URL, and honours method none', () => {
    expect(resolveUpdateSource(card('https://lab.example.org/', { method: 'tcia', url: 'https://lab.example.org/c' }))).toEqual({ kind: 'http', url: 'https://lab.example.org/c' });
    expect(resolveUpdateSource(card('https://lab.example.org/'))).toEqual({ kind: 'http', url: 'https://lab.example.org/' });
    expect(resolveUpdateSource(card('https://github.com/a/b', { method: 'none' }))).toBeNull();
  });
  it('counts cards per adapter', () => {
    const counts = countUpdateKinds([card('https://github.com/a/b'), card('https://x.org/'), card('https://x.org/', { method: 'none' })]);
    expect(counts).toMatchObject({ github: 1, http: 1, none: 1, zenodo: 0 });
  });
});
