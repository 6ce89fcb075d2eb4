import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/helpers.js';
import { startWorker } from '../main.js';

let t: Awaited<ReturnType<typeof startTestApp>>;
let jobId: number;
const PNG = resolve(import.meta.dirname, '../../test/fixtures/png');

beforeAll(async () => {
  t = await startTestApp();
  const root = join(t.config.dataDir, 'mirror');
  for (const [rel, src] of [['train/cat/a.png', 'gray16.png'], ['train/dog/b.png', 'rgba8.png'], ['test/cat/c.png', 'palette.png']] as const) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    copyFileSync(join(PNG, src), join(root, rel));
  }
  jobId = await t.services.ingest.request('gamma-chest-xray', root, 'folders');
  const worker = startWorker(t.services);
  while (await worker.runOne()) { /* drain */ }
});
afterAll(async () => { await t.close(); });

const get = async (url: string) => {
  const res = await t.app.inject(url);
  return { status: res.statusCode, body: res.json() };
};

describe('mirror endpoints', () => {
  it('lists, filters and pages files', async () => {
    const all = await get('/api/v1/datasets/gamma-chest-xray/files');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((f: { path: string }) => f.path)).toEqual(['test/cat/c.png', 'train/cat/a.png', 'train/dog/b.png']);
    expect(all.body.items[1]).toMatchObject({ kind: 'image', format: 'png', label: 'cat', split: 'train', meta: { width: 32, height: 24, bitDepth: 16 } });
    expect((await get('/api/v1/datasets/gamma-chest-xray/files?label=cat&path=train/')).body.total).toBe(1);
    expect((await get('/api/v1/datasets/gamma-chest-xray/files?per_page=2&page=2')).body.items).toHaveLength(1);
    expect((await get('/api/v1/datasets/gamma-chest-xray/files?kind=volume')).body.total).toBe(0);
  });

  it('counts folders in the tree, returns one file and the job', async () => {
    expect((await get('/api/v1/datasets/gamma-chest-xray/tree')).body).toEqual({
      path: '', files: 0,
      folders: [{ name: 'test', path: 'test/', files: 1, bytes: expect.any(Number) }, { name: 'train', path: 'train/', files: 2, bytes: expect.any(Number) }],
    });
    const first = (await get('/api/v1/datasets/gamma-chest-xray/files')).body.items[0];
    expect((await get(`/api/v1/files/${first.id}`)).body).toEqual(first);
    const job = await get(`/api/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({ id: jobId, name: 'ingest', status: 'success', progress: { done: 3, total: 3 } });
  });

  it('serves a stored 256 px WebP thumbnail keyed by content hash, with ETag revalidation', async () => {
    const first = (await get('/api/v1/datasets/gamma-chest-xray/files')).body.items[0];
    expect(first.thumbnail_url).toBe(`/api/v1/files/${first.id}/thumbnail`);
    const res = await t.app.inject(first.thumbnail_url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    expect(res.rawPayload.subarray(8, 12).toString()).toBe('WEBP');
    expect(res.headers.etag).toBe(`"${first.sha256}-v1"`);
    const again = await t.app.inject({ url: first.thumbnail_url, headers: { 'if-none-match': res.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect((await get('/api/v1/files/99999/thumbnail')).status).toBe(404);
  });

  it('adds the mirror summary to the catalog endpoints', async () => {
    const card = (await get('/api/v1/datasets/gamma-chest-xray')).body;
    expect(card.mirror).toMatchObject({ files: 3, failed: 0, summary: { by_label: { cat: 2, dog: 1 }, by_split: { train: 2, test: 1 } } });
    expect((await get('/api/v1/datasets/beta-brain-mri')).body.mirror).toBeNull();
    const list = (await get('/api/v1/datasets?q=gamma')).body;
    expect(list.items[0].mirror_files).toBe(3);
  });

  // Paths and ids from clients only ever filter the index; each form is refused with a 4xx.
  it.each([
    '/api/v1/datasets/gamma-chest-xray/files?path=../',
    '/api/v1/datasets/gamma-chest-xray/files?path=..%2F..%2Fetc',
    '/api/v1/datasets/gamma-chest-xray/files?path=train/../../etc',
    '/api/v1/datasets/gamma-chest-xray/files?path=%2Fetc%2Fpasswd',
    '/api/v1/datasets/gamma-chest-xray/files?path=..%5C..%5Cwindows',
    '/api/v1/datasets/gamma-chest-xray/files?path=train%00.png',
    '/api/v1/datasets/gamma-chest-xray/files?path=./train',
    '/api/v1/datasets/gamma-chest-xray/tree?path=%2e%2e%2f',
    '/api/v1/datasets/gamma-chest-xray/tree?path=%252e%252e%252f..%2F',
    '/api/v1/datasets/..%2F..%2Fetc/files',
    '/api/v1/datasets/%2e%2e/tree',
    '/api/v1/files/..%2F..%2Fetc%2Fpasswd',
    '/api/v1/files/0',
    '/api/v1/files/-1',
    '/api/v1/files/1.5',
    '/api/v1/files/%00',
    '/api/v1/files/99999999',
    '/api/v1/jobs/abc',
    '/api/v1/files/abc/thumbnail',
    '/api/v1/files/..%2F..%2Fetc%2Fpasswd/thumbnail',
    '/api/v1/files/99999999/thumbnail',
    '/api/v1/datasets/..%2Fetc/series',
    '/api/v1/jobs/424242',
    '/api/v1/datasets/no-such/files',
    '/api/v1/datasets/gamma-chest-xray/files?per_page=1000',
    '/api/v1/datasets/gamma-chest-xray/files?kind=spaceship',
  ])('%s -> 4xx with an error body', async (url) => {
    const { status, body } = await get(url);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(body.error.code).toEqual(expect.any(String));
    expect(body.error.message).toEqual(expect.any(String));
  });
});
