import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpdateSource } from '../../domain/update-source.js';
import { type FakeUpstream, fixture, json, startFakeUpstream, status } from '../../../test/fixtures/upstream/server.js';
import { createUpstreamRepo, type UpstreamRepo } from './index.js';

let up: FakeUpstream;
let repo: UpstreamRepo;
beforeAll(async () => {
  up = await startFakeUpstream();
  const kinds = ['http', 'zenodo', 'physionet', 'github', 'huggingface', 'kaggle', 'grand-challenge'];
  repo = createUpstreamRepo({
    http: { userAgent: 'MedImg/test update-check', hostSpacingMs: 0, retries: 0, connectTimeoutMs: 2000 },
    bases: Object.fromEntries(kinds.map((k) => [k, up.base])),
    kaggle: { username: 'someone', key: 'secret' },
  });
});
afterAll(async () => { await up.close(); });
beforeEach(() => up.routes.clear());

/** Two checks: the first records the marker, the second compares with it. */
async function twice(source: UpdateSource, between: () => void) {
  const first = await repo.check(source, null, repo.newRun());
  expect(first.status).toBe('unchanged');
  between();
  const second = await repo.check(source, { marker: first.marker!, snapshot: first.snapshot }, repo.newRun());
  return { first, second };
}

describe('upstream adapters against the recorded response shapes', () => {
  it('zenodo: latest version, files and checksums', async () => {
    const rec = fixture<{ id: number; metadata: { version: string }; files: { key: string; size: number; checksum: string }[] }>('zenodo-record.json');
    up.routes.set('/api/records/1000000/versions/latest', json(rec));
    const { first, second } = await twice({ kind: 'zenodo', recordId: '1000000', url: 'https://zenodo.org/records/1000000' }, () => {
      rec.id = 1000003;
      rec.metadata.version = 'v3';
      rec.files.push({ key: 'masks.zip', size: 4096, checksum: 'md5:00000000000000000000000000000001' });
      rec.files[1]!.checksum = 'md5:11111111111111111111111111111111';
      up.routes.set('/api/records/1000000/versions/latest', json(rec));
    });
    expect(first.marker).toMatch(/^record 1000002; files [0-9a-f]{16}$/);
    expect(second.status).toBe('changed');
    expect(second.details).toMatchObject({ old_version: 'v2', new_version: 'v3', added_files: ['masks.zip'], modified_files: ['labels.csv'], old_size: 1050624, new_size: 1054720 });
  });

  it('zenodo: falls back to the record when versions/latest is 404', async () => {
    up.routes.set('/api/records/1000002', json(fixture('zenodo-record.json')));
    const r = await repo.check({ kind: 'zenodo', recordId: '1000002', url: 'x' }, null, repo.newRun());
    expect(r.marker).toMatch(/^record 1000002;/);
  });

  it('physionet: latest published version, list fetched once per run', async () => {
    const list = fixture<Record<string, unknown>[]>('physionet-published.json');
    up.routes.set('/api/v1/project/published/', json(list));
    const ctx = repo.newRun();
    const a = await repo.check({ kind: 'physionet', project: 'example-ecg', url: 'x' }, null, ctx);
    const b = await repo.check({ kind: 'physionet', project: 'no-such-project', url: 'x' }, null, ctx);
    expect(a).toMatchObject({ status: 'unchanged', marker: 'example-ecg 1.0.1', snapshot: { version: '1.0.1', size: 1200000 } });
    expect(b.status).toBe('unreachable');
    expect(up.requests.filter((r) => r.url === '/api/v1/project/published/').length).toBe(1);
  });

  it('github: latest release, then the latest commit when there is no release', async () => {
    up.routes.set('/repos/example-org/example-data/releases/latest', json(fixture('github-release-latest.json')));
    const rel = await repo.check({ kind: 'github', owner: 'example-org', repo: 'example-data', url: 'x' }, null, repo.newRun());
    expect(rel.marker).toBe('release v1.0.0');
    up.routes.delete('/repos/example-org/example-data/releases/latest');
    up.routes.set('/repos/example-org/example-data/commits', json(fixture('github-commits.json')));
    const prev = { marker: rel.marker!, snapshot: rel.snapshot };
    const com = await repo.check({ kind: 'github', owner: 'example-org', repo: 'example-data', url: 'x' }, prev, repo.newRun());
    expect(com).toMatchObject({ status: 'changed', marker: 'commit 6dcb09b5b57875f334f61aebed695e2e4193db5e' });
    expect(up.requests.at(-1)?.url).toBe('/repos/example-org/example-data/commits?per_page=1');
  });

  it('github: an exhausted rate limit is unreachable, not an error', async () => {
    up.routes.set('/repos/o/r/releases/latest', status(403, { 'x-ratelimit-remaining': '0' }, '{"message":"API rate limit exceeded"}'));
    const r = await repo.check({ kind: 'github', owner: 'o', repo: 'r', url: 'x' }, null, repo.newRun());
    expect(r).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/rate limit/) });
  });

  it('huggingface: sha and lastModified; a new sha is a change with new files', async () => {
    const d = fixture<{ sha: string; siblings: { rfilename: string }[] }>('huggingface-dataset.json');
    up.routes.set('/api/datasets/example-org/example-dataset', json(d));
    const { second } = await twice({ kind: 'huggingface', dataset: 'example-org/example-dataset', url: 'x' }, () => {
      d.sha = '0000000000000000000000000000000000000001';
      d.siblings.push({ rfilename: 'data/test-00000-of-00001.parquet' });
      up.routes.set('/api/datasets/example-org/example-dataset', json(d));
    });
    expect(second.status).toBe('changed');
    expect(second.details?.added_files).toEqual(['data/test-00000-of-00001.parquet']);
  });

  it('kaggle: version number and lastUpdated, with Basic credentials when configured', async () => {
    up.routes.set('/api/v1/datasets/view/example-owner/example-dataset', json(fixture('kaggle-dataset-view.json')));
    const r = await repo.check({ kind: 'kaggle', dataset: 'example-owner/example-dataset', url: 'x' }, null, repo.newRun());
    expect(r).toMatchObject({ status: 'unchanged', marker: 'version 3; updated 2024-04-01T08:00:00.000Z', snapshot: { version: '3', size: 5242880 } });
    expect(up.requests.at(-1)?.authorization).toBe(`Basic ${Buffer.from('someone:secret').toString('base64')}`);
  });

  it('kaggle: a refusal is an error naming the credentials', async () => {
    up.routes.set('/api/v1/datasets/view/o/d', status(401));
    const r = await repo.check({ kind: 'kaggle', dataset: 'o/d', url: 'x' }, null, repo.newRun());
    expect(r).toMatchObject({ status: 'error', reason: expect.stringMatching(/HTTP 401/) });
  });

  it('grand-challenge: modified from the API, the page when the API refuses', async () => {
    up.routes.set('/api/v1/challenges/example-challenge/', json(fixture('grand-challenge-challenge.json')));
    const r = await repo.check({ kind: 'grand-challenge', challenge: 'example-challenge', url: 'x' }, null, repo.newRun());
    expect(r.marker).toBe('modified 2024-02-15T10:20:30Z; status Completed');
    up.routes.set('/api/v1/challenges/locked/', status(401));
    up.routes.set('/locked-page/', status(200, { etag: '"p1"' }));
    const p = await repo.check({ kind: 'grand-challenge', challenge: 'locked', url: 'https://locked.grand-challenge.org/locked-page/' }, null, repo.newRun());
    expect(p).toMatchObject({ status: 'unchanged', marker: 'page etag "p1"' });
  });

  it('http: ETag / Last-Modified / Content-Length from HEAD; GET cut after headers when HEAD is refused', async () => {
    up.routes.set('/page', (req, res) => {
      if (req.method === 'HEAD') return void res.writeHead(405).end();
      res.writeHead(200, { etag: '"v1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT', 'content-length': '11' }).end('hello world');
    });
    const r = await repo.check({ kind: 'http', url: 'https://lab.example.org/page' }, null, repo.newRun());
    expect(r.marker).toBe('etag "v1"; modified Mon, 01 Jan 2024 00:00:00 GMT; length 11');
    up.routes.set('/bare', status(200));
    const bare = await repo.check({ kind: 'http', url: 'https://lab.example.org/bare' }, null, repo.newRun());
    expect(bare).toMatchObject({ status: 'unchanged', marker: 'reachable', reason: expect.stringMatching(/only reachability/) });
  });

  it.each([
    ['404', status(404), 'unreachable', /HTTP 404/],
    ['500', status(500), 'unreachable', /HTTP 500/],
    ['malformed JSON', (_q: unknown, res: import('node:http').ServerResponse) => res.writeHead(200).end('<html>'), 'error', /malformed JSON/],
    ['wrong shape', json({ unexpected: true }), 'error', /unexpected Hugging Face/],
  ] as const)('failure: %s', async (_name, handler, expected, reason) => {
    up.routes.set('/api/datasets/a/b', handler as never);
    const r = await repo.check({ kind: 'huggingface', dataset: 'a/b', url: 'x' }, null, repo.newRun());
    expect(r.status).toBe(expected);
    expect(r.reason).toMatch(reason);
    expect(r.marker).toBeNull();
  });
});
