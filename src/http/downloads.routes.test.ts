import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedMtime, type MirroredServer, putBack, sha256, startMirroredServer } from '../../test/download-fixture.js';
import { tempDir } from '../../test/helpers.js';

// The server runs in this process: clients must be spawned asynchronously (a sync spawn would block it).
const run = promisify(execFile);
let s: MirroredServer;
let tmp: ReturnType<typeof tempDir>;
let ids: Map<string, number>;
const ARCHIVE = '/api/v1/datasets/gamma-chest-xray/archive.zip';

beforeAll(async () => {
  s = await startMirroredServer((root) => {
    writeFileSync(join(root, 'outside-later.bin'), 'twelve bytes');
    writeFileSync(join(root, 'shrinks.bin'), 'will change size');
  });
  tmp = tempDir();
  const list = await (await fetch(`${s.base}/api/v1/datasets/gamma-chest-xray/files?per_page=200`)).json() as { items: { id: number; path: string }[] };
  ids = new Map(list.items.map((f) => [f.path, f.id]));
}, 60_000);
afterAll(async () => {
  await s.close();
  tmp.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${s.base}${path}`, { headers, method });
const raw = (rel: string) => `/api/v1/files/${ids.get(rel)}/raw`;

describe('GET /api/v1/files/:id/raw', () => {
  it('serves the original bytes with length, strong SHA-256 ETag, type and a safe file name', async () => {
    const res = await get(raw('train/cat/a.png'));
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(body.equals(s.original('train/cat/a.png'))).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(body.length));
    expect(res.headers.get('etag')).toBe(`"${sha256(body)}"`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="a.png"; filename*=UTF-8''a.png`);
    const accents = await get(raw('notes/résumé é.txt'));
    expect(accents.headers.get('content-disposition')).toBe(`attachment; filename="r_sum_ _.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%C3%A9.txt`);
    expect(accents.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('honours single, open and suffix ranges with 206, and answers 416 with bytes */size', async () => {
    const full = s.original('big/random.bin');
    for (const [range, from, to] of [['bytes=0-9', 0, 10], ['bytes=1000000-', 1_000_000, full.length], ['bytes=-100', full.length - 100, full.length], ['bytes=5-5', 5, 6]] as const) {
      const res = await get(raw('big/random.bin'), { range });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${from}-${to - 1}/${full.length}`);
      expect(res.headers.get('content-length')).toBe(String(to - from));
      expect(Buffer.from(await res.arrayBuffer()).equals(full.subarray(from, to))).toBe(true);
    }
    const bad = await get(raw('big/random.bin'), { range: `bytes=${full.length}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${full.length}`);
    expect((await bad.json()).error.code).toBe('range_not_satisfiable');
    expect((await get(raw('empty.dat'), { range: 'bytes=0-' })).status).toBe(416);
    const empty = await get(raw('empty.dat'));
    expect([empty.status, empty.headers.get('content-length'), (await empty.arrayBuffer()).byteLength]).toEqual([200, '0', 0]);
  });

  it('applies If-Range only while the ETag or Last-Modified still matches', async () => {
    const first = await get(raw('big/random.bin'), { range: 'bytes=0-0' });
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect((await get(raw('big/random.bin'), { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get(raw('big/random.bin'), { range: 'bytes=0-9', 'if-range': lastModified })).status).toBe(206);
    const stale = await get(raw('big/random.bin'), { range: 'bytes=0-9', 'if-range': '"0000"' });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(s.original('big/random.bin').length);
    expect((await get(raw('big/random.bin'), { range: 'bytes=0-9', 'if-range': 'Mon, 01 Jan 2001 00:00:00 GMT' })).status).toBe(200);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await get(raw('big/random.bin'), {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(s.original('big/random.bin').length));
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses a file whose size changed (409 stale_index) and one that became a symlink out of the root (403)', async () => {
    const mtimes = { outside: indexedMtime(join(s.root, 'outside-later.bin')), shrinks: indexedMtime(join(s.root, 'shrinks.bin')) };
    appendFileSync(join(s.root, 'shrinks.bin'), 'more');
    const stale = await get(raw('shrinks.bin'));
    expect(stale.status).toBe(409);
    expect(await stale.json()).toEqual({ error: { code: 'stale_index', message: expect.stringMatching(/re-ingest/) } });
    const outside = join(tmp.dir, 'secret.txt');
    writeFileSync(outside, 'TOP SECRET!!');
    unlinkSync(join(s.root, 'outside-later.bin'));
    symlinkSync(outside, join(s.root, 'outside-later.bin'));
    const res = await get(raw('outside-later.bin'));
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).not.toContain('SECRET');
    expect(JSON.parse(text).error.code).toBe('outside_mirror');
    // The archive cannot announce and then serve it either: the response is cut short.
    await expect(run('curl', ['-sS', '-o', join(tmp.dir, 'cut.zip'), `${s.base}${ARCHIVE}`])).rejects.toThrow(/transfer closed|curl: \(18\)/);
    expect(readFileSync(join(tmp.dir, 'cut.zip')).includes('TOP SECRET!!')).toBe(false);
    // Put both back as they were indexed for the other tests.
    unlinkSync(join(s.root, 'outside-later.bin'));
    putBack(join(s.root, 'outside-later.bin'), 'twelve bytes', mtimes.outside);
    putBack(join(s.root, 'shrinks.bin'), 'will change size', mtimes.shrinks);
    expect((await get(raw('outside-later.bin'))).status).toBe(200);
    expect((await get(raw('shrinks.bin'))).status).toBe(200);
  });

  it('404s an id that is not indexed', async () => {
    const res = await get('/api/v1/files/999999/raw');
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/No mirrored file 999999/);
  });
});

const download = async (path: string, headers: Record<string, string> = {}) => {
  const res = await get(path, headers);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
};

describe('GET /api/v1/datasets/:slug/archive.zip', () => {
  let zip: Buffer;
  beforeAll(async () => {
    zip = (await download(ARCHIVE)).body;
  });

  it('is read by unzip -t and Python zipfile; extracted files equal the originals (SHA-256)', () => {
    const file = join(tmp.dir, 'a.zip');
    writeFileSync(file, zip);
    const t = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
    expect(t).toMatch(/No errors detected/);
    const out = join(tmp.dir, 'x');
    const py = execFileSync('python3', ['-c', `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist():
    assert i.compress_type == zipfile.ZIP_STORED and i.date_time == (1980, 1, 1, 0, 0, 0) and i.flag_bits & 0x800, i
z.extractall(sys.argv[2])
print('\\n'.join(i.filename for i in z.infolist()))`, file, out], { encoding: 'utf8' });
    const names = py.trim().split('\n');
    const files = ['big/random.bin', 'empty.dat', 'notes/résumé é.txt', 'outside-later.bin', 'shrinks.bin', 'test/cat/c.png', 'train/cat/a.png', 'train/dog/b.png'];
    // The dataset's files, then the metadata made here (the manifest needs every file first).
    expect(names).toEqual([...files, ...['MANIFEST.tsv', 'croissant.json', 'CITATION.bib', 'LICENSE.txt']].map((n) => `gamma-chest-xray/${n}`));
    for (const f of files) expect(sha256(readFileSync(join(out, 'gamma-chest-xray', f)))).toBe(sha256(s.original(f)));
    const manifest = readFileSync(join(out, 'gamma-chest-xray/MANIFEST.tsv'), 'utf8').trim().split('\n');
    expect(manifest[0]).toBe('path\tsize\tsha256');
    expect(manifest.slice(1)).toEqual(files.map((f) => `${f}\t${s.original(f).length}\t${sha256(s.original(f))}`));
    expect(readFileSync(join(out, 'gamma-chest-xray/CITATION.bib'), 'utf8')).toMatch(/^@misc\{gamma-chest-xray,/);
    expect(JSON.parse(readFileSync(join(out, 'gamma-chest-xray/croissant.json'), 'utf8')).conformsTo).toBe('http://mlcommons.org/croissant/1.0');
    expect(readFileSync(join(out, 'gamma-chest-xray/LICENSE.txt'), 'utf8')).toMatch(/^Gamma Chest Radiographs\n/);
    expect(readdirSync(join(out, 'gamma-chest-xray')).sort()).toEqual(['CITATION.bib', 'LICENSE.txt', 'MANIFEST.tsv', 'big', 'croissant.json', 'empty.dat', 'notes', 'outside-later.bin', 'shrinks.bin', 'test', 'train']);
  });

  it('is deterministic: same bytes, same ETag; HEAD announces the length', async () => {
    const again = await download(ARCHIVE);
    expect(again.body.equals(zip)).toBe(true);
    const head = await get(ARCHIVE, {}, 'HEAD');
    expect(head.headers.get('content-length')).toBe(String(zip.length));
    expect(head.headers.get('etag')).toBe(again.res.headers.get('etag'));
    expect(head.headers.get('content-type')).toBe('application/zip');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves any byte range as the same slice of the whole archive', async () => {
    for (const [a, b] of <[number, number][]>[[0, 0], [0, 99], [25, 3000], [1_000_000, 2_000_000], [zip.length - 22, zip.length - 1], [zip.length - 5000, zip.length - 1]]) {
      const { res, body } = await download(ARCHIVE, { range: `bytes=${a}-${b}` });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${a}-${b}/${zip.length}`);
      expect(body.equals(zip.subarray(a, b + 1))).toBe(true);
    }
    expect((await download(ARCHIVE, { range: `bytes=${zip.length}-` })).res.status).toBe(416);
  });

  it('resumes with curl -C - and wget -c to exactly the bytes of an uninterrupted download', async () => {
    const url = `${s.base}${ARCHIVE}`;
    // A download cut half-way: the client read part of the body, then the connection dropped.
    const cut = join(tmp.dir, 'cut-by-abort.zip');
    await new Promise<void>((resolve, reject) => {
      const req = request(url, (res) => {
        let got = 0;
        res.on('data', (c: Buffer) => {
          if (got < zip.length / 2) appendFileSync(cut, c);
          got += c.length;
          if (got >= zip.length / 2) req.destroy();
        });
      });
      req.on('close', () => resolve());
      req.on('error', (e) => (e.message.includes('socket hang up') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
      req.end();
    });
    const partial = statSync(cut).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(zip.length);
    await run('curl', ['-sS', '--fail', '-C', '-', '-o', cut, url]);
    expect(sha256(readFileSync(cut))).toBe(sha256(zip));

    const byRange = join(tmp.dir, 'cut-by-range.zip');
    await run('curl', ['-sS', '--fail', '-r', `0-${Math.floor(zip.length / 3)}`, '-o', byRange, url]);
    await run('curl', ['-sS', '--fail', '-C', '-', '-o', byRange, url]);
    expect(sha256(readFileSync(byRange))).toBe(sha256(zip));

    const byWget = join(tmp.dir, 'cut-for-wget.zip');
    writeFileSync(byWget, zip.subarray(0, 12345));
    await run('wget', ['-q', '-c', '-O', byWget, url]);
    expect(sha256(readFileSync(byWget))).toBe(sha256(zip));
  });

  it('gives subsets with path= and label=, and names what matched nothing', async () => {
    const list = (b: Buffer) => execFileSync('python3', ['-c', 'import sys,zipfile,io;print("\\n".join(zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())).namelist()))'], { input: b, encoding: 'utf8' }).trim().split('\n');
    expect(list((await download(`${ARCHIVE}?label=cat`)).body).filter((n) => !/[A-Z]/.test(n.split('/').pop()!))).toEqual(['gamma-chest-xray/test/cat/c.png', 'gamma-chest-xray/train/cat/a.png', 'gamma-chest-xray/croissant.json']);
    expect(list((await download(`${ARCHIVE}?path=train/`)).body).slice(0, -4)).toEqual(['gamma-chest-xray/train/cat/a.png', 'gamma-chest-xray/train/dog/b.png']);
    expect(list((await download(`${ARCHIVE}?path=train/&label=dog`)).body).slice(0, -4)).toEqual(['gamma-chest-xray/train/dog/b.png']);
    const none = await get(`${ARCHIVE}?path=nothing/`);
    expect(none.status).toBe(404);
    expect((await none.json()).error.message).toMatch(/matches path=nothing\//);
  });

  it('explains a dataset that is not mirrored here, and 404s an unknown slug', async () => {
    const res = await get('/api/v1/datasets/alpha-lung-ct/archive.zip');
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/not mirrored on this server.*https?:\/\//);
    expect((await get('/api/v1/datasets/no-such-dataset/archive.zip')).status).toBe(404);
  });
});

describe('concurrent downloads', () => {
  it('20 stalled archive downloads (clients not reading) leave the API answering', async () => {
    const stalled = await Promise.all(Array.from({ length: 20 }, () => new Promise<ReturnType<typeof request>>((resolve, reject) => {
      const req = request(`${s.base}${ARCHIVE}`, (res) => {
        res.pause(); // backpressure: the server must stop reading files for this one
        resolve(req);
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    })));
    try {
      const res = await get('/api/v1/datasets?per_page=1');
      expect(res.status).toBe(200);
      expect((await res.json()).total).toBeGreaterThan(0);
      const raw1 = await get(raw('train/cat/a.png'));
      expect(Buffer.from(await raw1.arrayBuffer()).equals(s.original('train/cat/a.png'))).toBe(true);
    } finally {
      for (const r of stalled) r.destroy();
    }
  });
});

describe('GET /api/v1/datasets/:slug/manifest.tsv', () => {
  it('lists url, path, size and sha256 in path order, with URLs from the request Host', async () => {
    const res = await get('/api/v1/datasets/gamma-chest-xray/manifest.tsv?path=train/');
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=utf-8');
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toEqual([
      'url\tpath\tsize\tsha256',
      ...['train/cat/a.png', 'train/dog/b.png'].map((f) => `${s.base}${raw(f)}\tgamma-chest-xray/${f}\t${s.original(f).length}\t${sha256(s.original(f))}`),
    ]);
    const viaInject = await s.app.inject({ url: '/api/v1/datasets/gamma-chest-xray/manifest.tsv?label=dog', headers: { host: 'medimg.example.org:8080' } });
    expect(viaInject.body.split('\n')[1]).toMatch(/^http:\/\/medimg\.example\.org:8080\/api\/v1\/files\/\d+\/raw\tgamma-chest-xray\/train\/dog\/b\.png\t/);
    const badHost = await s.app.inject({ url: '/api/v1/datasets/gamma-chest-xray/manifest.tsv', headers: { host: 'evil.example/../x' } });
    expect(badHost.statusCode).toBe(400);
  });
});
