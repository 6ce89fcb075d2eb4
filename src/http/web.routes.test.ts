import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { loadConfig } from '../config.js';
import { openInstance } from '../main.js';
import { buildApp } from './app.js';
import { escapeHtml, renderPage, scriptJson } from './web-page.js';

// A stand-in for web/dist with the same placeholders as web/index.html, so these
// tests do not depend on a Vite build.
const TEMPLATE = `<!doctype html><html><head><title>MedImg</title>
<meta name="description" content="default" />
<!--medimg:head--></head><body><div id="app"></div></body></html>`;

let tmp: ReturnType<typeof tempDir>;
let t: { app: Awaited<ReturnType<typeof buildApp>>; close: () => Promise<void> };
beforeAll(async () => {
  tmp = tempDir();
  const dist = join(tmp.dir, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), TEMPLATE);
  writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
  const instance = await openInstance(loadConfig({ MEDIMG_DATA_DIR: tmp.dir, MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent' }));
  const app = await buildApp(instance.services, { webDistDir: dist });
  t = { app, close: async () => { await app.close(); await instance.close(); } };
});
afterAll(async () => { await t.close(); tmp.cleanup(); });

const html = { accept: 'text/html,application/xhtml+xml' };

describe('web pages', () => {
  it.each(['/', '/search', '/browse', '/download', '/stats', '/search?q=lung&modality=CT'])('%s serves the app shell', async (url) => {
    const res = await t.app.inject({ url, headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<div id="app"></div>');
  });

  it('renders the title, description and schema.org JSON-LD of a dataset before any script runs', async () => {
    const res = await t.app.inject({ url: '/datasets/alpha-lung-ct', headers: { ...html, host: 'medimg.example' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Alpha Lung CT Nodules — MedImg</title>');
    expect(res.body).toContain('<meta name="description" content="Chest CT volumes with nodule outlines, used by the API tests." />');
    expect(res.body).toContain('<link rel="canonical" href="http://medimg.example/datasets/alpha-lung-ct" />');
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(res.body)![1]!);
    expect(ld).toMatchObject({
      '@context': 'https://schema.org/', '@type': 'Dataset', name: 'Alpha Lung CT Nodules',
      license: 'https://creativecommons.org/licenses/by/4.0/', identifier: 'https://doi.org/10.1234/alpha.2019',
      citation: 'Tester A. Alpha nodules & friends. J Test. 2019.', alternateName: ['ALCN'],
    });
  });

  it.each(['/datasets/no-such-dataset', '/datasets/BAD_slug', '/datasets/..%2F..%2Fetc%2Fpasswd', '/no/such/page'])('%s is a real 404 page', async (url) => {
    const res = await t.app.inject({ url, headers: html });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<meta name="robots" content="noindex" />');
  });

  it('keeps JSON 404s for API clients', async () => {
    const res = await t.app.inject({ url: '/api/v1/nope', headers: html });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await t.app.inject('/no/such/page')).json().error.code).toBe('not_found');
  });

  it('serves hashed assets with a long cache and never lists folders', async () => {
    const res = await t.app.inject('/assets/app-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    const folder = await t.app.inject('/assets/');
    expect([403, 404]).toContain(folder.statusCode);
    expect(folder.body).not.toContain('app-abc123');
    expect((await t.app.inject('/assets/..%2F..%2Findex.html')).statusCode).toBe(404);
  });
});

describe('renderPage', () => {
  it('escapes catalog text in the head and cannot be broken out of', () => {
    const out = renderPage(TEMPLATE, {
      title: '<script>alert(1)</script>',
      description: '"><img src=x onerror=alert(1)>',
      jsonLd: { name: '</script><script>alert(1)</script>', note: '<!-- x' },
    });
    expect(out).not.toContain('<script>alert(1)');
    expect(out).not.toContain('<img');
    expect(out).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(out).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(scriptJson({ a: '</script>&\u2028' }))).toEqual({ a: '</script>&\u2028' });
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
