import { writeFileSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MirroredServer, startMirroredServer } from '../../test/download-fixture.js';
import { tempDir } from '../../test/helpers.js';

// Traversal spellings, as they appear on the wire (the request target is sent verbatim:
// no client-side normalisation of ../ or of percent-escapes).
const FORMS = [
  '../', '../../', '..%2f', '..%2F', '%2e%2e%2f', '%2e%2e/', '.%2e/', '%2e./', '%252e%252e%252f', '..%252f',
  '%2fetc%2fpasswd', '/etc/passwd', '..\\', '..%5c', '%5c..%5c', '..%255c', '..%00/', '%00', '..%c0%af',
  '%c0%ae%c0%ae/', '%e0%80%ae%e0%80%ae/', '....//', '..;/', '%u002e%u002e/', '%ef%bc%8e%ef%bc%8e/', 'C:%5cWindows%5c',
  'C:/Windows/', 'file:%2f%2f%2fetc%2fpasswd',
];
const TARGET = 'etc/passwd';

let s: MirroredServer;
let tmp: ReturnType<typeof tempDir>;
let fileId: number;
let selectionId: string;

beforeAll(async () => {
  tmp = tempDir();
  writeFileSync(join(tmp.dir, 'secret.txt'), 'TOP SECRET');
  s = await startMirroredServer((root) => symlinkSync(join(tmp.dir, 'secret.txt'), join(root, 'link-out.txt')));
  fileId = (await (await fetch(`${s.base}/api/v1/datasets/gamma-chest-xray/files?per_page=1`)).json()).items[0].id;
  const sel = await fetch(`${s.base}/api/v1/selections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"datasets":["gamma-chest-xray"]}' });
  selectionId = (await sel.json()).id;
}, 60_000);
afterAll(async () => {
  await s.close();
  tmp.cleanup();
});

/** A raw GET: the path goes out exactly as given. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(s.base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => { body += c.length < 100_000 ? c : ''; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const templates = () => [
  // ids
  (v: string) => `/api/v1/files/${v}`,
  (v: string) => `/api/v1/files/${v}/raw`,
  (v: string) => `/api/v1/files/${v}/thumbnail`,
  (v: string) => `/api/v1/files/${fileId}${v}/raw`,
  (v: string) => `/api/v1/jobs/${v}`,
  // slugs
  ...['', '/files', '/tree', '/series', '/citation.bib', '/croissant.json', '/archive.zip', '/manifest.tsv'].map((sub) => (v: string) => `/api/v1/datasets/${v}${sub}`),
  (v: string) => `/api/v1/datasets/gamma-chest-xray${v}/archive.zip`,
  // ?path= prefixes
  ...['files', 'tree', 'archive.zip', 'manifest.tsv'].map((sub) => (v: string) => `/api/v1/datasets/gamma-chest-xray/${sub}?path=${v}`),
  ...['files', 'archive.zip', 'manifest.tsv'].map((sub) => (v: string) => `/api/v1/datasets/gamma-chest-xray/${sub}?path=train/${v}`),
  // selections
  ...['', '/archive.zip', '/manifest.tsv', '/aria2.txt', '/download.sh', '/citations.bib'].map((sub) => (v: string) => `/api/v1/selections/${v}${sub}`),
  (v: string) => `/api/v1/selections/${selectionId}${v}/archive.zip`,
];

describe('path traversal', () => {
  it(`gets a 4xx for ${FORMS.length} traversal forms on every endpoint that takes an id, a slug or a path`, async () => {
    expect(FORMS.length).toBeGreaterThanOrEqual(20);
    const failures: string[] = [];
    let sent = 0;
    for (const form of FORMS) {
      for (const t of templates()) {
        for (const v of [`${form}${TARGET}`, form]) {
          const url = t(v);
          const res = await rawGet(url);
          sent++;
          if (res.status < 400 || res.status >= 500 || res.body.includes('root:') || res.body.includes('TOP SECRET')) failures.push(`${res.status} ${url}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(20 * 25);
  }, 120_000);

  it('the same endpoints answer normally without traversal (the 4xx above are not from broken routes)', async () => {
    for (const url of [`/api/v1/files/${fileId}/raw`, '/api/v1/datasets/gamma-chest-xray/archive.zip?path=train/', '/api/v1/datasets/gamma-chest-xray/files?path=train/',
      `/api/v1/selections/${selectionId}/manifest.tsv`, `/api/v1/selections/${selectionId}/download.sh`]) {
      expect((await rawGet(url)).status, url).toBeLessThan(300);
    }
  });

  it('never serves a file that is a symlink out of the dataset root, in any download', async () => {
    // The ingestion refuses it (recorded with its reason, no SHA-256), so no download lists it.
    const list = await (await fetch(`${s.base}/api/v1/datasets/gamma-chest-xray/files?per_page=200&failed=true`)).json();
    const link = list.items.find((f: { path: string }) => f.path === 'link-out.txt');
    expect(link?.error).toBeTruthy();
    const raw = await rawGet(`/api/v1/files/${link.id}/raw`);
    expect(raw.status).toBe(404);
    expect(raw.body).not.toContain('TOP SECRET');
    for (const url of ['/api/v1/datasets/gamma-chest-xray/archive.zip', '/api/v1/datasets/gamma-chest-xray/manifest.tsv', `/api/v1/selections/${selectionId}/archive.zip`, `/api/v1/selections/${selectionId}/download.sh`]) {
      const res = await rawGet(url);
      expect(res.status).toBe(200);
      expect(res.body).not.toContain('TOP SECRET');
      expect(res.body).not.toContain('link-out.txt');
    }
  });
});
