import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatasetQuery } from '../../contract/index.js';
import { openUpstreamInstance, serveCatalogUpstream } from '../../test/fixtures/upstream/instance.js';
import { type FakeUpstream, startFakeUpstream } from '../../test/fixtures/upstream/server.js';
import { tempDir } from '../../test/helpers.js';

let up: FakeUpstream;
let tmp: ReturnType<typeof tempDir>;
let inst: Awaited<ReturnType<typeof openUpstreamInstance>>;
const clock = { now: new Date('2026-02-01T00:00:00Z') };
const upstream = { zenodoVersion: 'v1', pageEtag: '"a"', deadStatus: 404 };

beforeAll(async () => { up = await startFakeUpstream(); });
afterAll(async () => { await up.close(); });
beforeEach(async () => {
  tmp = tempDir();
  Object.assign(upstream, { zenodoVersion: 'v1', pageEtag: '"a"', deadStatus: 404 });
  up.routes.clear();
  serveCatalogUpstream(up, upstream);
  inst = await openUpstreamInstance(up, tmp.dir, clock);
});
afterEach(async () => { await inst.close(); tmp.cleanup(); });

const statuses = (r: { results: { slug: string; status: string }[] }) => Object.fromEntries(r.results.map((o) => [o.slug, o.status]));

describe('updates service', () => {
  it('starts no new dataset once its signal is aborted, and says the run was interrupted', async () => {
    const stop = new AbortController();
    const r = await inst.services.updates.checkAll({
      // Stop after the first finished check: with 4 datasets and concurrency up to 4, at most the ones already started finish.
      onResult: () => stop.abort(),
      signal: stop.signal,
    });
    const all = await inst.services.updates.checkAll();
    expect(all.interrupted).toBe(false);
    expect(all.results).toHaveLength(4);
    const pre = new AbortController();
    pre.abort();
    const none = await inst.services.updates.checkAll({ signal: pre.signal });
    expect(none.results).toHaveLength(0);
    expect(none.interrupted).toBe(true);
    expect(r.results.length).toBeGreaterThanOrEqual(1);
  });

  it('records the first marker without an event, then reports unchanged and changed', async () => {
    const first = await inst.services.updates.checkAll();
    expect(statuses(first)).toEqual({ 'up-zenodo': 'unchanged', 'up-github': 'unchanged', 'up-page': 'unchanged', 'up-dead': 'unreachable' });
    expect(first.results.find((r) => r.slug === 'up-zenodo')?.reason).toBe('first check: marker recorded');
    expect((await inst.services.updates.list({ page: 1, per_page: 20 })).total).toBe(0);

    upstream.zenodoVersion = 'v2';
    clock.now = new Date('2026-02-02T00:00:00Z');
    const second = await inst.services.updates.checkAll();
    expect(statuses(second)).toMatchObject({ 'up-zenodo': 'changed', 'up-github': 'unchanged', 'up-page': 'unchanged' });
    const events = await inst.services.updates.list({ page: 1, per_page: 20 });
    expect(events.total).toBe(1);
    expect(events.items[0]).toMatchObject({
      slug: 'up-zenodo', name: 'Upstream Zenodo Fixture', kind: 'changed', detected_at: '2026-02-02T00:00:00.000Z',
      details: { old_version: 'v1', new_version: 'v2', modified_files: ['images.zip'] },
    });
    expect(events.items[0]!.summary).toMatch(/new version v2 \(was v1\)/);
    const hist = await inst.services.updates.forDataset('up-zenodo');
    expect(hist.checks.map((c) => c.status)).toEqual(['changed', 'unchanged']);
    expect(hist.source).toEqual({ kind: 'zenodo', locator: 'zenodo record 1000000' });
  });

  it('flags a source unreachable three checks in a row, once, and hides it on request', async () => {
    for (let i = 0; i < 4; i++) await inst.services.updates.checkAll({ slug: 'up-dead' });
    const health = await inst.services.updates.linkHealth('up-dead');
    expect(health).toMatchObject({ consecutive_failures: 4, flagged: true, last_verified_at: null });
    const events = await inst.services.updates.list({ dataset: 'up-dead', page: 1, per_page: 20 });
    expect(events.items.map((e) => e.kind)).toEqual(['unreachable']);
    expect(events.items[0]!.summary).toMatch(/unreachable for 3 checks in a row: HTTP 404/);

    const all = await inst.services.datasets.list(DatasetQuery.parse({}));
    expect(all.items.find((d) => d.slug === 'up-dead')?.link_health).toMatchObject({ flagged: true });
    expect(all.items.find((d) => d.slug === 'up-page')?.link_health).toMatchObject({ flagged: false, last_verified_at: null });
    const hidden = await inst.services.datasets.list(DatasetQuery.parse({ hide_unreachable: 'true' }));
    expect(hidden.items.map((d) => d.slug)).not.toContain('up-dead');
    expect(hidden.total).toBe(all.total - 1);
    expect((await inst.services.datasets.detail('up-dead')).link_health).toMatchObject({ flagged: true });

    upstream.deadStatus = 200;
    await inst.services.updates.checkAll({ slug: 'up-dead' });
    expect(await inst.services.updates.linkHealth('up-dead')).toMatchObject({ consecutive_failures: 0, flagged: false, last_verified_at: clock.now.toISOString() });
  });

  it('keeps checking the others when one upstream answers garbage', async () => {
    up.routes.set('/repos/example-org/example-data/releases/latest', (_req, res) => { res.writeHead(200).end('{not json'); });
    const r = await inst.services.updates.checkAll();
    expect(statuses(r)).toEqual({ 'up-zenodo': 'unchanged', 'up-github': 'error', 'up-page': 'unchanged', 'up-dead': 'unreachable' });
    expect(r.results.find((o) => o.slug === 'up-github')?.reason).toMatch(/malformed JSON/);
  });

  it('rejects an unknown slug', async () => {
    await expect(inst.services.updates.checkAll({ slug: 'nope' })).rejects.toThrow(/No dataset with slug "nope"/);
  });

  it('never checks one dataset twice at once: the second run skips it', async () => {
    let release!: () => void;
    let arrived!: () => void;
    const seen = new Promise<void>((r) => { arrived = r; });
    up.routes.set('/page', (_req, res) => { arrived(); release = () => res.writeHead(200, { etag: '"a"' }).end(); });
    const before = up.requests.length;
    const a = inst.services.updates.checkAll({ slug: 'up-page' });
    await seen;
    const b = await inst.services.updates.checkAll({ slug: 'up-page' });
    expect(b.results[0]).toMatchObject({ status: 'skipped', reason: 'another check of this dataset is running' });
    release();
    expect((await a).results[0]?.status).toBe('unchanged');
    expect(up.requests.slice(before).filter((q) => q.url === '/page')).toHaveLength(1);
    expect((await inst.services.updates.forDataset('up-page')).checks).toHaveLength(1);
  });
});
