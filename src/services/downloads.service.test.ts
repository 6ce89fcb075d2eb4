import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedMtime, type MirroredServer, putBack, sha256, startMirroredServer } from '../../test/download-fixture.js';

// The server runs in this process: clients must be spawned asynchronously.
const run = promisify(execFile);
const HUGE = 2 ** 32 + 4096 + 7; // past 4 GiB: ZIP64 sizes and every later offset
const TAIL = Buffer.from('THE-END');
const ARCHIVE = '/api/v1/datasets/gamma-chest-xray/archive.zip';
let s: MirroredServer;

/** Writes files into the mirror and records them in the index directly, as an ingestion would. */
async function addIndexed(files: { path: string; data: Buffer }[]): Promise<void> {
  for (const f of files) {
    mkdirSync(dirname(join(s.root, f.path)), { recursive: true });
    writeFileSync(join(s.root, f.path), f.data);
  }
  await s.db.insertInto('files').values(files.map((f) => ({
    slug: 'gamma-chest-xray', path: f.path, size: f.data.length, mtime_ms: indexedMtime(join(s.root, f.path)), sha256: sha256(f.data),
    crc32: (crc32(f.data) >>> 0).toString(16).padStart(8, '0'), kind: 'other', format: 'file', meta: null, error: null, label: null,
    split: null, series_uid: null, role: null, pair_path: null, thumb: null, thumb_error: null,
  }))).execute();
}

beforeAll(async () => {
  s = await startMirroredServer();
  // A sparse file: 4 GiB of holes (no disk space), then a marker in its last bytes. It is
  // indexed here rather than by the ingestion, whose 30 s per-file limit a busy CI machine
  // can exceed when hashing 4 GiB; its SHA-256 and CRC-32 are computed the same way.
  const path = join(s.root, 'huge.bin');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, HUGE - TAIL.length);
  writeSync(fd, TAIL, 0, TAIL.length, HUGE - TAIL.length);
  closeSync(fd);
  const zeros = Buffer.alloc(1 << 20);
  const hash = createHash('sha256');
  let crc = 0;
  for (let left = HUGE - TAIL.length; left > 0; left -= zeros.length) {
    const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left);
    hash.update(chunk);
    crc = crc32(chunk, crc);
  }
  hash.update(TAIL);
  crc = crc32(TAIL, crc);
  await s.db.insertInto('files').values({
    slug: 'gamma-chest-xray', path: 'huge.bin', size: HUGE, mtime_ms: indexedMtime(path), sha256: hash.digest('hex'),
    crc32: crc.toString(16).padStart(8, '0'), kind: 'other', format: 'file', meta: null, error: null, label: null, split: null,
    series_uid: null, role: null, pair_path: null, thumb: null, thumb_error: null,
  }).execute();
}, 120_000);
afterAll(async () => {
  await s?.close();
});

// Python's zipfile over HTTP Range requests: it reads the end records, the central directory
// and the entries it is asked for, so a 4 GiB archive is checked without 4 GiB of transfer.
const PY = `
import hashlib, io, json, struct, sys, urllib.request, zipfile
class HttpFile(io.RawIOBase):
    def __init__(self, url):
        self.url, self.pos = url, 0
        self.size = int(urllib.request.urlopen(urllib.request.Request(url, method='HEAD')).headers['Content-Length'])
    def seekable(self): return True
    def readable(self): return True
    def tell(self): return self.pos
    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else self.pos + off if whence == 1 else self.size + off
        return self.pos
    def read(self, n=-1):
        if n is None or n < 0: n = self.size - self.pos
        end = min(self.size, self.pos + n)
        if end <= self.pos: return b''
        r = urllib.request.urlopen(urllib.request.Request(self.url, headers={'Range': f'bytes={self.pos}-{end - 1}'}))
        assert r.status == 206, r.status
        data = r.read()
        assert len(data) == end - self.pos
        self.pos = end
        return data
f = HttpFile(sys.argv[1])
z = zipfile.ZipFile(f)
out = {'size': f.size, 'entries': {}}
for i in z.infolist():
    if i.file_size < 50_000_000:
        out['entries'][i.filename] = hashlib.sha256(z.read(i)).hexdigest()  # z.read checks the CRC-32
    else:
        f.seek(i.header_offset)
        h = f.read(30)
        n, m = struct.unpack('<HH', h[26:30])
        f.seek(i.header_offset + 30 + n + m + i.file_size - 7)
        out['entries'][i.filename] = {'size': i.file_size, 'offset': i.header_offset, 'tail': f.read(7).decode()}
print(json.dumps(out))
`;

describe('archive.zip over 4 GiB (ZIP64)', () => {
  it('is read by Python zipfile: sizes and offsets past 4 GiB, CRC of every small entry checked', async () => {
    const url = `${s.base}${ARCHIVE}`;
    const { stdout } = await run('python3', ['-c', PY, url], { maxBuffer: 1 << 20 });
    const got = JSON.parse(stdout) as { size: number; entries: Record<string, unknown> };
    expect(got.size).toBeGreaterThan(HUGE);
    const huge = got.entries['gamma-chest-xray/huge.bin'] as { size: number; tail: string };
    expect(huge).toMatchObject({ size: HUGE, tail: 'THE-END' });
    for (const f of ['notes/résumé é.txt', 'test/cat/c.png', 'train/cat/a.png', 'train/dog/b.png', 'big/random.bin']) {
      expect(got.entries[`gamma-chest-xray/${f}`]).toBe(sha256(s.original(f)));
    }
    const names = Object.keys(got.entries);
    expect(names.indexOf('gamma-chest-xray/huge.bin')).toBeLessThan(names.indexOf('gamma-chest-xray/test/cat/c.png'));
  }, 60_000);
});

describe('rows indexed before files.crc32 existed', () => {
  it('get their CRC-32 computed once from the file and stored, and the archive is the same', async () => {
    const before = Buffer.from(await (await fetch(`${s.base}${ARCHIVE}?path=train/`)).arrayBuffer());
    const stored = await s.db.selectFrom('files').select(['path', 'crc32']).where('path', 'like', 'train/%').orderBy('path').execute();
    expect(stored.every((r) => /^[0-9a-f]{8}$/.test(r.crc32 ?? ''))).toBe(true);
    await sql`UPDATE files SET crc32 = NULL WHERE path LIKE 'train/%'`.execute(s.db);
    const after = Buffer.from(await (await fetch(`${s.base}${ARCHIVE}?path=train/`)).arrayBuffer());
    expect(after.equals(before)).toBe(true);
    const again = await s.db.selectFrom('files').select(['path', 'crc32']).where('path', 'like', 'train/%').orderBy('path').execute();
    expect(again).toEqual(stored);
  });

  it('never completes an archive with a file that changed under the same size since indexing', async () => {
    const file = join(s.root, 'train/cat/a.png');
    const orig = readFileSync(file);
    const mtime = indexedMtime(file);
    const changed = Buffer.from(orig);
    changed[40] = changed[40]! ^ 0xff;
    writeFileSync(file, changed);
    try {
      // Its modification time is no longer the indexed one (the test re-ingestion uses). This
      // archive is small, so nothing was sent yet and the answer is a 409; a larger one is cut
      // short (curl error 18). The file alone is refused the same way.
      const res = await fetch(`${s.base}${ARCHIVE}?path=train/`);
      expect(res.status).toBe(409);
      const body = await res.json();
      expect(body).toEqual({ error: { code: 'stale_index', message: expect.stringMatching(/^gamma-chest-xray\/train\/cat\/a\.png changed since it was indexed \(modification time differs\).*re-ingest/) } });
      expect(body.error.message).not.toContain(s.root); // the mirror's folder on the server is not the client's business
      const id = (await s.db.selectFrom('files').select('id').where('path', '=', 'train/cat/a.png').executeTakeFirstOrThrow()).id;
      const one = await fetch(`${s.base}/api/v1/files/${id}/raw`);
      expect(one.status).toBe(409);
      const oneMessage = (await one.json()).error.message;
      expect(oneMessage).toMatch(/changed since it was indexed \(modification time differs\)/);
      expect(oneMessage).not.toContain(s.root);
    } finally {
      putBack(file, orig, mtime);
    }
    const { stdout } = await run('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download}', `${s.base}${ARCHIVE}?path=train/`]);
    expect(Number(stdout)).toBeGreaterThan(orig.length);
  });
});

describe('archives of more files than a page, larger than a block', () => {
  it('read back whole and by ranges across block and page boundaries (1,500 small files, 2 index pages, 3 blocks)', async () => {
    const files: { path: string; data: Buffer }[] = [];
    for (let i = 0; i < 1500; i++) {
      // Sizes 0 to ~2.4 KB, contents that differ per file; the names sort in creation order.
      const data = Buffer.alloc((i * 7919) % 2411, `file ${i};`);
      files.push({ path: `many/f${String(i).padStart(4, '0')}.txt`, data });
    }
    await addIndexed(files);
    const url = `${s.base}${ARCHIVE}?path=many/`;
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(whole.length).toBeGreaterThan(2 * 1024 * 1024);
    const { stdout } = await run('python3', ['-c', `
import sys, zipfile, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([[i.filename, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))`, writeTemp(whole)], { maxBuffer: 1 << 24 })
      .finally(() => rmSync(tempDir, { recursive: true, force: true }));
    const got = JSON.parse(stdout) as [string, string][];
    expect(got.slice(0, files.length)).toEqual(files.map((f) => [`gamma-chest-xray/${f.path}`, sha256(f.data)]));
    const manifest = got.find(([n]) => n === 'gamma-chest-xray/MANIFEST.tsv');
    expect(manifest).toBeDefined();
    for (const at of [1 << 20, (1 << 20) - 1, 2 << 20, whole.length - 100_000]) {
      const res = await fetch(url, { headers: { range: `bytes=${at - 5000}-${at + 5000}` } });
      expect(res.status).toBe(206);
      expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(at - 5000, at + 5001))).toBe(true);
    }
    // The manifest of more files than a page is streamed a page at a time, complete and in order.
    const manifestRes = await fetch(`${s.base}/api/v1/datasets/gamma-chest-xray/manifest.tsv?path=many/`);
    expect(manifestRes.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await manifestRes.text()).trimEnd().split('\n');
    expect(lines.length).toBe(files.length + 1);
    expect(lines.slice(1).map((l) => l.split('\t').slice(1).join('\t'))).toEqual(files.map((f) => `gamma-chest-xray/${f.path}\t${f.data.length}\t${sha256(f.data)}`));
  }, 60_000);
});

describe('archive packs', () => {
  it('are made after a first download of an archive of many small files; later downloads and ranges read them from it, byte for byte the same', async () => {
    const files: { path: string; data: Buffer }[] = [];
    for (let i = 0; i < 1100; i++) {
      // Mostly up to ~2 KB (packed), every 50th of 70 KB (read by the reader thread, not packed).
      const data = Buffer.alloc(i % 50 === 7 ? 70_000 : (i * 7919) % 2111, `packed ${i};`);
      files.push({ path: `packed/p${String(i).padStart(4, '0')}.txt`, data });
    }
    await addIndexed(files);
    const packDir = join(s.config.dataDir, 'packs');
    const packs = () => (existsSync(packDir) ? readdirSync(packDir).filter((n) => n.endsWith('.pack')) : []);
    const url = `${s.base}${ARCHIVE}?path=packed/`;
    await s.services.downloads.packsSettled(); // one is made at a time: not one of an earlier test's download
    const before = packs().length;
    const first = Buffer.from(await (await fetch(url)).arrayBuffer());
    await s.services.downloads.packsSettled();
    expect(packs().length).toBe(before + 1);
    const made = packs();
    // A packed file changed on disk behind the index's back (same size and time): the archive
    // still has the indexed bytes, so its packed files were read from the pack.
    const victim = join(s.root, files[3]!.path);
    putBack(victim, Buffer.alloc(files[3]!.data.length, 'X'), indexedMtime(victim));
    try {
      const res = await fetch(url);
      expect(res.headers.get('content-length')).toBe(String(first.length));
      const again = Buffer.from(await res.arrayBuffer());
      expect(again.equals(first)).toBe(true);
      for (const at of [1000, 50_000, 400_000, first.length - 70_000]) {
        const r = await fetch(url, { headers: { range: `bytes=${at}-${at + 99_999}` } });
        expect(r.status).toBe(206);
        expect(Buffer.from(await r.arrayBuffer()).equals(first.subarray(at, at + 100_000))).toBe(true);
      }
    } finally {
      putBack(victim, files[3]!.data, indexedMtime(victim));
    }
    const { stdout } = await run('unzip', ['-tq', writeTemp(first)]).finally(() => rmSync(tempDir, { recursive: true, force: true }));
    expect(stdout).toMatch(/No errors detected/);
    const { stdout: py } = await run('python3', ['-c', `
import sys, zipfile, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([[i.filename, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))`, writeTemp(first)], { maxBuffer: 1 << 24 })
      .finally(() => rmSync(tempDir, { recursive: true, force: true }));
    expect((JSON.parse(py) as [string, string][]).slice(0, files.length)).toEqual(files.map((f) => [`gamma-chest-xray/${f.path}`, sha256(f.data)]));
    // A file added: the archive's next download makes its new pack, and the old one is deleted.
    const data = Buffer.from('added later');
    await addIndexed([{ path: 'packed/q.txt', data }]);
    const changed = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(changed.includes(data)).toBe(true);
    await s.services.downloads.packsSettled();
    const now = packs();
    expect(now.length).toBe(made.length);
    expect(now.filter((n) => !made.includes(n)).length).toBe(1);
  }, 60_000);
});

const tempDir = mkdtempSync(join(tmpdir(), 'medimg-many-'));
function writeTemp(data: Buffer): string {
  mkdirSync(tempDir, { recursive: true });
  const file = join(tempDir, 'a.zip');
  writeFileSync(file, data);
  return file;
}

describe('archive plans reused while the index is unchanged', () => {
  it('gives the same bytes again, and a new archive once a row is added', async () => {
    const url = `${s.base}${ARCHIVE}?path=train/`;
    const first = await fetch(url);
    const a = Buffer.from(await first.arrayBuffer());
    const again = await fetch(url);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(Buffer.from(await again.arrayBuffer()).equals(a)).toBe(true);
    const data = Buffer.from('a new file after the first download');
    await addIndexed([{ path: 'train/new.txt', data }]);
    try {
      const after = await fetch(url);
      expect(after.headers.get('etag')).not.toBe(first.headers.get('etag'));
      const b = Buffer.from(await after.arrayBuffer());
      expect(b.includes(data)).toBe(true);
      expect(b.length).toBeGreaterThan(a.length);
    } finally {
      await s.db.deleteFrom('files').where('path', '=', 'train/new.txt').execute();
      rmSync(join(s.root, 'train/new.txt'));
    }
  });
});
