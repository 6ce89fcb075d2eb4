import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUpstreamInstance, serveCatalogUpstream } from '../../test/fixtures/upstream/instance.js';
import { type FakeUpstream, startFakeUpstream } from '../../test/fixtures/upstream/server.js';
import { tempDir } from '../../test/helpers.js';
import { buildApp } from './app.js';

const VALIDATOR = join(import.meta.dirname, '../../test/fixtures/upstream/validate-atom.py');

/** Parses the feed with Python's xml.etree and checks the elements RFC 4287 requires. */
function validateAtom(xml: string) {
  const r = spawnSync('python3', [VALIDATOR], { input: xml, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`invalid Atom: ${r.stdout}${r.stderr}`);
  const lint = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
  if (!lint.error && lint.status !== 0) throw new Error(`xmllint: ${lint.stderr}`);
  return JSON.parse(r.stdout) as { id: string; title: string; self: string; entries: { id: string; title: string; content: string; link: string }[] };
}

let up: FakeUpstream;
let tmp: ReturnType<typeof tempDir>;
let inst: Awaited<ReturnType<typeof openUpstreamInstance>>;
let app: Awaited<ReturnType<typeof buildApp>>;
const clock = { now: new Date('2026-04-01T00:00:00Z') };
const upstream = { zenodoVersion: 'v1', pageEtag: '"a"', deadStatus: 404 };

beforeAll(async () => {
  up = await startFakeUpstream();
  serveCatalogUpstream(up, upstream);
  tmp = tempDir();
  inst = await openUpstreamInstance(up, tmp.dir, clock);
  await inst.services.updates.checkAll();
  upstream.zenodoVersion = 'v2';
  upstream.pageEtag = '"b"';
  clock.now = new Date('2026-04-02T00:00:00Z');
  await inst.services.updates.checkAll();
  for (let i = 0; i < 2; i++) await inst.services.updates.checkAll({ slug: 'up-dead' });
  const dist = join(tmp.dir, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><html><head><title>MedImg</title>\n<meta name="description" content="d" />\n<!--medimg:head--></head><body></body></html>');
  app = await buildApp(inst.services, { webDistDir: dist });
});
afterAll(async () => { await app.close(); await inst.close(); await up.close(); tmp.cleanup(); });

describe('GET /api/v1/updates', () => {
  it('lists events newest first, paged, filterable by dataset', async () => {
    const all = (await app.inject('/api/v1/updates')).json();
    expect(all.total).toBe(3);
    expect(all.items.map((e: { slug: string; kind: string }) => `${e.slug}:${e.kind}`).sort()).toEqual(['up-dead:unreachable', 'up-page:changed', 'up-zenodo:changed']);
    const page = (await app.inject('/api/v1/updates?per_page=1&page=2')).json();
    expect(page).toMatchObject({ total: 3, page: 2, per_page: 1 });
    expect(page.items).toHaveLength(1);
    const one = (await app.inject('/api/v1/updates?dataset=up-zenodo')).json();
    expect(one.items.map((e: { slug: string }) => e.slug)).toEqual(['up-zenodo']);
    expect(one.items[0].details).toMatchObject({ old_version: 'v1', new_version: 'v2' });
  });

  it.each([
    ['/api/v1/updates?dataset=Not%20A%20Slug', /dataset/],
    ['/api/v1/updates?per_page=1000', /per_page/],
    ['/api/v1/updates?page=0', /page/],
    ['/api/v1/updates?colour=red', /colour/],
  ])('%s is a 400 naming the parameter', async (url, name) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(name);
  });
});

describe('GET /api/v1/datasets/:slug/updates and link health', () => {
  it('returns the checks, events and health of one dataset', async () => {
    const body = (await app.inject('/api/v1/datasets/up-dead/updates')).json();
    expect(body.source).toEqual({ kind: 'http', locator: 'https://lab.example.org/gone' });
    expect(body.health).toMatchObject({ consecutive_failures: 4, flagged: true, last_verified_at: null });
    expect(body.checks).toHaveLength(4);
    expect(body.checks[0]).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/HTTP 404/) });
  });
  it('404 for an unknown dataset', async () => {
    expect((await app.inject('/api/v1/datasets/no-such/updates')).statusCode).toBe(404);
  });
  it('search results carry link_health and hide_unreachable=true leaves flagged ones out', async () => {
    const list = (await app.inject('/api/v1/datasets')).json();
    expect(list.items.find((d: { slug: string }) => d.slug === 'up-dead').link_health).toMatchObject({ flagged: true, consecutive_failures: 4 });
    expect(list.items.find((d: { slug: string }) => d.slug === 'up-page').link_health).toMatchObject({ flagged: false, last_verified_at: '2026-04-02T00:00:00.000Z' });
    const hidden = (await app.inject('/api/v1/datasets?hide_unreachable=true')).json();
    expect(hidden.items.map((d: { slug: string }) => d.slug).sort()).toEqual(['up-github', 'up-page', 'up-zenodo']);
    expect((await app.inject('/api/v1/datasets?hide_unreachable=maybe')).statusCode).toBe(400);
    expect((await app.inject('/api/v1/datasets/up-dead')).json().link_health.flagged).toBe(true);
  });
});

describe('Atom feeds', () => {
  it('/feed.xml is valid Atom with every update, escaped', async () => {
    const res = await app.inject({ url: '/feed.xml', headers: { host: 'medimg.example.org' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(res.body).toContain('Upstream Page Fixture &amp;: upstream changed');
    const feed = validateAtom(res.body);
    expect(feed.self).toBe('http://medimg.example.org/feed.xml');
    expect(feed.id).toBe('tag:medimg.example.org,2026:updates');
    expect(feed.entries).toHaveLength(3);
    const page = feed.entries.find((e) => e.link.endsWith('/datasets/up-page'))!;
    expect(page.title).toBe('Upstream Page Fixture &: upstream changed');
    expect(page.content).toMatch(/^Upstream changed/);
    expect(page.id).toMatch(/^tag:medimg\.example\.org,2026:update-event\/\d+$/);
    // Same entry id on every fetch.
    expect(validateAtom((await app.inject({ url: '/feed.xml', headers: { host: 'medimg.example.org' } })).body).entries.map((e) => e.id)).toEqual(feed.entries.map((e) => e.id));
  });

  it('/datasets/:slug/feed.xml has that dataset only; unknown slug is a 404', async () => {
    const feed = validateAtom((await app.inject('/datasets/up-zenodo/feed.xml')).body);
    expect(feed.title).toBe('MedImg: updates of Upstream Zenodo Fixture');
    expect(feed.entries.map((e) => e.content)).toEqual([expect.stringMatching(/new version v2 \(was v1\)/)]);
    const empty = validateAtom((await app.inject('/datasets/up-github/feed.xml')).body);
    expect(empty.entries).toEqual([]);
    expect((await app.inject('/datasets/nope/feed.xml')).statusCode).toBe(404);
    expect((await app.inject('/datasets/BAD!/feed.xml')).statusCode).toBe(400);
  });

  it('the validator itself rejects a feed without a self link or with a bad date', async () => {
    const xml = (await app.inject('/feed.xml')).body;
    expect(() => validateAtom(xml.replace(/<link rel="self"[^>]*>/, ''))).toThrow(/rel="self"/);
    expect(() => validateAtom(xml.replace(/<updated>[^<]*<\/updated>/, '<updated>yesterday</updated>'))).toThrow(/RFC 3339/);
  });

  it('pages announce the feeds in their head', async () => {
    const home = (await app.inject({ url: '/', headers: { accept: 'text/html' } })).body;
    expect(home).toContain('<link rel="alternate" type="application/atom+xml" title="MedImg: upstream updates" href="/feed.xml" />');
    const ds = (await app.inject({ url: '/datasets/up-page', headers: { accept: 'text/html' } })).body;
    expect(ds).toContain('href="/datasets/up-page/feed.xml"');
    expect(ds).toContain('title="Updates of Upstream Page Fixture &amp; — MedImg"');
  });
});
