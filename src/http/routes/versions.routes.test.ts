import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionDetail, VersionList } from '../../../contract/index.js';
import { startTestApp } from '../../../test/helpers.js';
import { startWorker } from '../../main.js';

let t: Awaited<ReturnType<typeof startTestApp>>;
let base: string;
const SLUG = 'gamma-chest-xray';
const N = 2500; // more than one page of the manifest query
const name = (i: number) => `f/${String(i).padStart(5, '0')}.txt`;
const content = (i: number) => `file ${i}\n`;

beforeAll(async () => {
  t = await startTestApp();
  const root = join(t.config.dataDir, 'dataset');
  mkdirSync(join(root, 'f'), { recursive: true });
  for (let i = 0; i < N; i++) writeFileSync(join(root, name(i)), content(i));
  await t.services.ingest.request(SLUG, root);
  const worker = startWorker(t.services);
  while (await worker.runOne()) { /* drain */ }
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
});

const get = (url: string) => t.app.inject({ method: 'GET', url });

describe('GET /api/v1/datasets/:slug/versions', () => {
  it('lists the recorded versions, newest first', async () => {
    const res = await get(`/api/v1/datasets/${SLUG}/versions`);
    expect(res.statusCode).toBe(200);
    const body = VersionList.parse(res.json());
    expect(body).toMatchObject({ dataset: SLUG, total: 1, items: [{ version: 1, files: N, added: { files: N } }] });
  });

  it('gives a version with a page of its diff, filtered by change', async () => {
    const res = await get(`/api/v1/datasets/${SLUG}/versions/1?change=added&per_page=2&page=3`);
    expect(res.statusCode).toBe(200);
    const body = VersionDetail.parse(res.json());
    expect(body.diff).toMatchObject({ change: 'added', total: N, page: 3, per_page: 2 });
    expect(body.diff.items.map((c) => c.path)).toEqual([name(4), name(5)]);
    const removed = VersionDetail.parse((await get(`/api/v1/datasets/${SLUG}/versions/1?change=removed`)).json());
    expect(removed.diff).toMatchObject({ total: 0, items: [] });
  });

  it('answers bad or unknown slugs, versions and parameters with clear 4xx errors', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/v1/datasets/no-such-dataset/versions', 404, /No dataset with slug "no-such-dataset"/],
      ['/api/v1/datasets/Bad_Slug/versions', 400, /slug/],
      [`/api/v1/datasets/${SLUG}/versions/7`, 404, /has no version 7/],
      [`/api/v1/datasets/${SLUG}/versions/0`, 400, /n: must be a version number/],
      [`/api/v1/datasets/${SLUG}/versions/1.5`, 400, /n: must be a version number/],
      [`/api/v1/datasets/${SLUG}/versions/abc`, 400, /n: must be a version number/],
      [`/api/v1/datasets/${SLUG}/versions/99999999999999999999`, 400, /n: must be a version number/],
      [`/api/v1/datasets/${SLUG}/versions?per_page=1000`, 400, /per_page/],
      [`/api/v1/datasets/${SLUG}/versions/1?change=renamed`, 400, /change/],
      [`/api/v1/datasets/${SLUG}/versions/1?page=0`, 400, /page/],
      [`/api/v1/datasets/${SLUG}/versions/1?frobnicate=1`, 400, /frobnicate/],
      [`/api/v1/datasets/${SLUG}/versions/2/manifest.tsv`, 404, /has no version 2/],
      [`/api/v1/datasets/${SLUG}/versions/-1/manifest.tsv`, 400, /n: must be a version number/],
    ];
    for (const [url, status, message] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().error.message, url).toMatch(message);
    }
  });
});

describe('GET /api/v1/datasets/:slug/versions/:n/manifest.tsv', () => {
  it('streams every file of the version over a real socket, in path order', async () => {
    const res = await fetch(`${base}/api/v1/datasets/${SLUG}/versions/1/manifest.tsv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${SLUG}-v1-manifest.tsv"`);
    // Sent as it is read, not built whole first.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('path\tsize\tsha256');
    expect(lines.length).toBe(N + 1);
    for (let i = 0; i < N; i++) {
      expect(lines[i + 1]).toBe(`${name(i)}\t${content(i).length}\t${createHash('sha256').update(content(i)).digest('hex')}`);
    }
  });
});
