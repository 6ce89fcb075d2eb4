import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MirroredServer, sha256, startMirroredServer } from '../../test/download-fixture.js';
import { tempDir } from '../../test/helpers.js';

// The server runs in this process: clients must be spawned asynchronously.
const run = promisify(execFile);
let s: MirroredServer;
let tmp: ReturnType<typeof tempDir>;
const FILES = ['big/random.bin', 'empty.dat', 'notes/résumé é.txt', 'test/cat/c.png', 'train/cat/a.png', 'train/dog/b.png'];

beforeAll(async () => {
  s = await startMirroredServer();
  tmp = tempDir();
}, 60_000);
afterAll(async () => {
  await s.close();
  tmp.cleanup();
});

const post = async (body: unknown) => {
  const res = await fetch(`${s.base}/api/v1/selections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const text = async (path: string) => (await fetch(`${s.base}${path}`)).text();

describe('POST /api/v1/selections', () => {
  it('creates a selection with a content-derived id and says what is mirrored', async () => {
    const a = await post({ datasets: ['gamma-chest-xray', 'alpha-lung-ct', 'gamma-chest-xray'] });
    expect(a.status).toBe(201);
    expect(a.body.id).toMatch(/^[0-9a-f]{24}$/);
    expect(a.body.datasets.map((d: { slug: string; mirrored: boolean }) => [d.slug, d.mirrored])).toEqual([['alpha-lung-ct', false], ['gamma-chest-xray', true]]);
    expect(a.body.datasets[1]).toMatchObject({ files: 6, bytes: FILES.reduce((n, f) => n + s.original(f).length, 0) });
    expect(a.body.urls.script).toBe(`/api/v1/selections/${a.body.id}/download.sh`);
    const b = await post({ datasets: ['alpha-lung-ct', 'gamma-chest-xray'] });
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.created_at).toBe(a.body.created_at);
    const got = await fetch(`${s.base}/api/v1/selections/${a.body.id}`);
    expect(await got.json()).toEqual(a.body);
  });

  it('resolves a catalog filter like the search API', async () => {
    const byFilter = await post({ filter: { modality: ['XR'] } });
    expect(byFilter.status).toBe(201);
    const search = await (await fetch(`${s.base}/api/v1/datasets?modality=XR&per_page=100`)).json();
    expect(byFilter.body.datasets.map((d: { slug: string }) => d.slug)).toEqual(search.items.map((d: { slug: string }) => d.slug).sort());
    expect(byFilter.body.datasets.length).toBeGreaterThan(0);
  });

  it('refuses unknown slugs by name, an empty selection and a bad body with 400', async () => {
    const unknown = await post({ datasets: ['gamma-chest-xray', 'no-such-one', 'nor-this'] });
    expect(unknown).toEqual({ status: 400, body: { error: { code: 'unknown_dataset', message: 'Unknown dataset slug(s): no-such-one, nor-this' } } });
    expect((await post({})).status).toBe(400);
    expect((await post({ datasets: [] })).status).toBe(400);
    const empty = await post({ filter: { q: 'zzzqqqnothingmatches' } });
    expect(empty).toEqual({ status: 400, body: { error: { code: 'empty_selection', message: expect.stringMatching(/empty/) } } });
    expect((await post({ datasets: ['../etc'] })).status).toBe(400);
    expect((await post({ datasets: Array.from({ length: 1001 }, (_, i) => `d${i}`) })).status).toBe(400);
    expect((await post({ filter: { modality: ['NOPE'] } })).status).toBe(400);
    expect((await fetch(`${s.base}/api/v1/selections/0123456789abcdef01234567`)).status).toBe(404);
  });
});

describe('selection downloads', () => {
  let id: string;
  beforeAll(async () => {
    id = (await post({ datasets: ['gamma-chest-xray', 'alpha-lung-ct'] })).body.id;
  });

  it('archive.zip holds every mirrored dataset under its slug with its metadata, and reads back', async () => {
    const res = await fetch(`${s.base}/api/v1/selections/${id}/archive.zip`);
    expect(res.headers.get('content-disposition')).toContain(`medimg-selection-${id}.zip`);
    const zip = Buffer.from(await res.arrayBuffer());
    const file = join(tmp.dir, 'sel.zip');
    writeFileSync(file, zip);
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const names = execFileSync('python3', ['-c', 'import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print("\\n".join(z.namelist()))', file], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual([...FILES, ...['MANIFEST.tsv', 'croissant.json', 'CITATION.bib', 'LICENSE.txt']].map((n) => `gamma-chest-xray/${n}`));
    const part = await fetch(`${s.base}/api/v1/selections/${id}/archive.zip`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(zip.subarray(100, 200))).toBe(true);
  });

  it('manifest.tsv, aria2.txt and citations.bib list the files and cite every dataset', async () => {
    const manifest = (await text(`/api/v1/selections/${id}/manifest.tsv`)).trim().split('\n');
    expect(manifest[0]).toBe('url\tpath\tsize\tsha256');
    expect(manifest.slice(1).map((l) => l.split('\t').slice(1))).toEqual(FILES.map((f) => [`gamma-chest-xray/${f}`, String(s.original(f).length), sha256(s.original(f))]));
    const aria = (await text(`/api/v1/selections/${id}/aria2.txt`)).split('\n');
    expect(aria.slice(0, 3)).toEqual([manifest[1]!.split('\t')[0], '  out=gamma-chest-xray/big/random.bin', `  checksum=sha-256=${sha256(s.original('big/random.bin'))}`]);
    expect(aria.filter((l) => l.startsWith('http')).length).toBe(FILES.length);
    const bib = await text(`/api/v1/selections/${id}/citations.bib`);
    expect(bib.match(/^@misc\{[a-z-]+,/gm)).toEqual(['@misc{alpha-lung-ct,', '@misc{gamma-chest-xray,']);
  });

  it('download.sh downloads and verifies everything, repairs a corrupt file, and reports what fails', async () => {
    const script = join(tmp.dir, 'download.sh');
    writeFileSync(script, await text(`/api/v1/selections/${id}/download.sh`));
    const out = join(tmp.dir, 'out');
    const first = await run('sh', [script, out]);
    expect(first.stdout).toMatch(/alpha-lung-ct .* is not mirrored on this server/);
    expect(first.stdout).toMatch(/  source: https?:\/\//);
    expect(first.stdout).toContain(`verified: ${FILES.length} file(s)`);
    for (const f of FILES) expect(sha256(readFileSync(join(out, 'gamma-chest-xray', f)))).toBe(sha256(s.original(f)));

    // A local file corrupted in place (same size) and another cut short: both are fetched again.
    const a = join(out, 'gamma-chest-xray/train/cat/a.png');
    const bytes = readFileSync(a);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(a, bytes);
    const big = join(out, 'gamma-chest-xray/big/random.bin');
    writeFileSync(big, readFileSync(big).subarray(0, 1000));
    const second = await run('sh', [script, out]);
    expect(second.stdout).toContain(`verified: ${FILES.length} file(s)`);
    expect(sha256(readFileSync(a))).toBe(sha256(s.original('train/cat/a.png')));
    expect(sha256(readFileSync(big))).toBe(sha256(s.original('big/random.bin')));

    // The server's copy changed content under the same size: the download cannot verify.
    const served = join(s.root, 'train/dog/b.png');
    const orig = readFileSync(served);
    const changed = Buffer.from(orig);
    changed[20] = changed[20]! ^ 0xff;
    writeFileSync(served, changed);
    writeFileSync(join(out, 'gamma-chest-xray/train/dog/b.png'), 'x');
    try {
      await expect(run('sh', [script, out])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('FAILED: 1 file(s) missing or with a wrong SHA-256:\n  gamma-chest-xray/train/dog/b.png') });
    } finally {
      writeFileSync(served, orig);
    }
  });
});
