import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir } from '../../test/helpers.js';
import { createDownloadClient, startWorker } from '../main.js';
import { unsafePathReason } from '../services/download-client.service.js';
import { downloadLine, parseDownloadArgs } from './download.js';

const BIN = resolve(import.meta.dirname, '../../bin/medimg.js');
const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const SLUG = 'alpha-lung-ct';
const BIG = 24 * 2 ** 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let tmp: ReturnType<typeof tempDir>;
let app: Awaited<ReturnType<typeof startTestApp>>;
let server: string;
let root: string;
/** Relative path in the dataset -> SHA-256 of the original file. */
const originals = new Map<string, string>();

function cli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [BIN, 'download', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  return { child, done: new Promise((r) => child.on('close', (code) => r({ code, out, err }))) };
}

/** Every file under `dir` (relative path -> SHA-256), .part files included. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((e) => {
    const abs = join(d, e.name);
    if (e.isDirectory()) walk(abs);
    else files.set(relative(dir, abs), sha(readFileSync(abs)));
  });
  if (existsSync(dir)) walk(dir);
  return files;
}
const expected = () => new Map([...originals].map(([p, h]) => [`${SLUG}/${p}`, h]));

interface Hit { url: string; range?: string; ifRange?: string; bytes: number }
/**
 * A pass-through proxy in front of the real server (it keeps the Host header, so the
 * manifest's URLs point back at it). It logs every request, and while `hold` is set
 * it forwards only the first `hold` bytes of each raw file, then stalls: a slow link
 * that lets a test kill the client at a known point without timing anything.
 */
async function startProxy(target: string) {
  const up = new URL(target);
  const state = { hold: 0, hits: [] as Hit[] };
  const srv = createServer((req, res) => {
    const hit: Hit = { url: req.url!, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined, bytes: 0 };
    state.hits.push(hit);
    const fwd = request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode!, ur.headers);
      const limit = req.url!.endsWith('/raw') ? state.hold : 0;
      ur.on('data', (c: Buffer) => {
        const n = limit ? Math.max(0, Math.min(c.length, limit - hit.bytes)) : c.length;
        if (n > 0) res.write(c.subarray(0, n));
        hit.bytes += n;
        if (limit && hit.bytes >= limit) ur.pause();
      });
      ur.on('end', () => res.end());
    });
    res.on('close', () => fwd.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { state, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => closeServer(srv) };
}
const closeServer = (srv: Server) => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); });

beforeAll(async () => {
  tmp = tempDir();
  root = join(tmp.dir, 'dataset');
  const put = (rel: string, data: Buffer) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), data);
    originals.set(rel, sha(data));
  };
  // Real files of several formats from test/fixtures, in class folders, and three larger ones.
  for (const dir of ['png', 'jpeg', 'wav', 'dicom', 'nifti', 'edf']) {
    if (!existsSync(join(FIXTURES, dir))) continue;
    for (const name of readdirSync(join(FIXTURES, dir)).filter((n) => !/\.(py|md)$/.test(n))) {
      const rel = `train/${dir}/${name}`;
      mkdirSync(join(root, rel, '..'), { recursive: true });
      copyFileSync(join(FIXTURES, dir, name), join(root, rel));
      originals.set(rel, sha(readFileSync(join(root, rel))));
    }
  }
  for (let i = 1; i <= 3; i++) put(`big/scan-${i}.bin`, randomBytes(BIG));
  put('notes/readme with space.txt', Buffer.from('a file name with a space\n'));

  app = await startTestApp();
  const job = await app.services.ingest.request(SLUG, root, 'folders');
  const worker = startWorker(app.services);
  while (await worker.runOne()) { /* drain */ }
  expect((await app.services.jobs.get(job)).status).toBe('success');
  server = await app.app.listen({ port: 0, host: '127.0.0.1' });
}, 120_000);
afterAll(async () => {
  await app?.close();
  tmp?.cleanup();
});

describe('medimg download against a real MedImg server', () => {
  it('downloads a dataset and every file has the SHA-256 of its original', async () => {
    const out = join(tmp.dir, 'plain');
    const r = await cli([SLUG, '--out', out, '--server', server]).done;
    expect(r.code, r.err).toBe(0);
    expect(tree(out)).toEqual(expected());
    expect(r.out).toContain(`${originals.size} of ${originals.size} file(s)`);
    expect(r.err).toMatch(/\[#+\] .*MiB\/s {2}ETA .* \d+\/\d+ files/);
  }, 120_000);

  it('after kill -9 mid-download, a re-run resumes with Range and ends with identical bytes', async () => {
    const proxy = await startProxy(server);
    try {
      const out = join(tmp.dir, 'killed');
      const hold = 5 * 2 ** 20 + 123;
      proxy.state.hold = hold;
      const run = cli([SLUG, '--out', out, '--server', proxy.url, '--jobs', '2']);
      // Kill once a raw file is stalled at the hold point and its part holds some of it.
      const part = join(out, SLUG, 'big/scan-1.bin.part');
      const stalled = () => proxy.state.hits.some((h) => h.bytes >= hold) && existsSync(part) && statSync(part).size > 0;
      for (const deadline = Date.now() + 60_000; !stalled();) {
        if (Date.now() > deadline) throw new Error('the download never reached the hold point');
        await new Promise((r) => setTimeout(r, 20));
      }
      run.child.kill('SIGKILL');
      expect((await run.done).code).toBeNull();
      const parts = [...tree(out).keys()].filter((p) => p.endsWith('.part'));
      expect(parts).toContain(`${SLUG}/big/scan-1.bin.part`);
      const partSizes = new Map<string, number>();
      for (const p of parts) if (statSync(join(out, p)).size > 0) partSizes.set(p.replace(/\.part$/, ''), statSync(join(out, p)).size);
      expect(partSizes.get(`${SLUG}/big/scan-1.bin`)).toBeGreaterThan(0);
      expect(partSizes.get(`${SLUG}/big/scan-1.bin`)).toBeLessThanOrEqual(hold);

      proxy.state.hold = 0;
      proxy.state.hits = [];
      const rerun = await cli([SLUG, '--out', out, '--server', proxy.url]).done;
      expect(rerun.code, rerun.err).toBe(0);
      expect(tree(out)).toEqual(expected());
      // Each interrupted file was resumed from where its part ended, not fetched again.
      const manifest = readManifest(await (await fetch(`${server}/api/v1/datasets/${SLUG}/manifest.tsv`)).text());
      for (const [path, size] of partSizes) {
        const id = new URL(manifest.get(path)!.url).pathname;
        const hits = proxy.state.hits.filter((h) => h.url === id);
        expect(hits.map((h) => [h.range, h.ifRange, h.bytes])).toEqual([[`bytes=${size}-`, `"${manifest.get(path)!.sha256}"`, BIG - size]]);
      }
    } finally {
      await proxy.close();
    }
  }, 180_000);

  it('a second run re-fetches only a corrupt file', async () => {
    const out = join(tmp.dir, 'plain');
    const victim = join(out, SLUG, 'big/scan-2.bin');
    const bytes = readFileSync(victim);
    bytes[BIG / 2] = bytes[BIG / 2]! ^ 0xff;
    writeFileSync(victim, bytes);
    const proxy = await startProxy(server);
    try {
      const r = await cli([SLUG, '--out', out, '--server', proxy.url]).done;
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`1 downloaded, ${originals.size - 1} already present, 1 corrupt one(s) fetched again`);
      const raw = proxy.state.hits.filter((h) => h.url.endsWith('/raw'));
      const manifest = readManifest(await (await fetch(`${server}/api/v1/datasets/${SLUG}/manifest.tsv`)).text());
      expect(raw.map((h) => h.url)).toEqual([new URL(manifest.get(`${SLUG}/big/scan-2.bin`)!.url).pathname]);
      expect(tree(out)).toEqual(expected());
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('downloads a selection by id from MEDIMG_SERVER, and names the selected datasets this server does not hold', async () => {
    const res = await fetch(`${server}/api/v1/selections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ datasets: [SLUG, 'beta-brain-mri'] }) });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const out = join(tmp.dir, 'selection');
    const r = await cli([id, '--out', out], { MEDIMG_SERVER: server }).done;
    expect(r.code, r.err).toBe(0);
    expect(tree(out)).toEqual(expected());
    expect(r.err).toMatch(/not mirrored on this server: beta-brain-mri; get it from https?:\/\//);

    // A selection with nothing mirrored here: nothing to download, said so, with where to get the data.
    const other = (await (await fetch(`${server}/api/v1/selections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ datasets: ['beta-brain-mri'] }) })).json()) as { id: string };
    const none = await cli([other.id, '--out', join(tmp.dir, 'nothing')], { MEDIMG_SERVER: server }).done;
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/not mirrored on this server: beta-brain-mri; get it from https?:\/\/[^\n]*\nmedimg: nothing to download: .*lists no file/);
  }, 60_000);

  it('downloads a subset with --path and --label', async () => {
    const out = join(tmp.dir, 'subset');
    const r = await cli([SLUG, '--out', out, '--server', server, '--path', 'train/png/']).done;
    expect(r.code, r.err).toBe(0);
    const want = [...expected()].filter(([p]) => p.startsWith(`${SLUG}/train/png/`));
    expect(want.length).toBeGreaterThan(0);
    expect(tree(out)).toEqual(new Map(want));
    // Class folders are labels (ingested with --labels folders): the "wav" class only.
    const byLabel = join(tmp.dir, 'by-label');
    const l = await cli([SLUG, '--out', byLabel, '--server', server, '--label', 'wav']).done;
    expect(l.code, l.err).toBe(0);
    const wav = [...expected()].filter(([p]) => p.startsWith(`${SLUG}/train/wav/`));
    expect(wav.length).toBeGreaterThan(0);
    expect(tree(byLabel)).toEqual(new Map(wav));
    const none = await cli([SLUG, '--out', join(tmp.dir, 'none'), '--server', server, '--label', 'no-such-class']).done;
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/No file of "alpha-lung-ct" matches label=no-such-class/);
  }, 60_000);

  it('fails with a clear message for an unknown slug, an unreachable server and bad arguments', async () => {
    const out = join(tmp.dir, 'bad');
    const aFile = join(tmp.dir, 'a-file');
    writeFileSync(aFile, 'not a folder');
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await closeServer(probe);
    const cases: [string[], RegExp][] = [
      [['no-such-dataset', '--out', out, '--server', server], /No dataset .*"no-such-dataset" \(on http:\/\/127\.0\.0\.1:\d+\)/],
      [['beta-brain-mri', '--out', out, '--server', server], /"beta-brain-mri" is not mirrored on this server: get it from its source, https?:\/\//],
      [['0123456789abcdef01234567', '--out', out, '--server', server], /no selection or dataset "0123456789abcdef01234567"/],
      [[SLUG, '--out', out, '--server', closed], new RegExp(`cannot reach the MedImg server at ${closed} \\(ECONNREFUSED\\)`)],
      [['../etc', '--out', out, '--server', server], /neither a dataset slug .* nor a selection id/],
      [[SLUG, '--out', out, '--frobnicate'], /unknown option --frobnicate/],
      [[SLUG, '--out', join(aFile, 'sub'), '--server', server], /cannot create the output folder .*a-file\/sub: ENOTDIR/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args).done;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(out, SLUG))).toBe(false);
  }, 120_000);
});

function readManifest(text: string) {
  const rows = text.trim().split('\n').slice(1).map((l) => l.split('\t'));
  return new Map(rows.map(([url, path, size, sha256]) => [path!, { url: url!, size: Number(size), sha256: sha256! }]));
}

/** A hostile or broken server, as the outside world can be: served by a real local HTTP server. */
async function startFake(routes: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void>) {
  const srv = createServer((req, res) => {
    const handler = routes[req.url!.split('?')[0]!];
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"nothing here"}}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => closeServer(srv) };
}

describe('medimg download against a hostile or broken server', () => {
  it('refuses manifest paths that leave the output folder, names them, and still fetches the safe ones', async () => {
    const good = Buffer.from('safe bytes\n');
    const line = (path: string) => `/raw/good\t${path}\t${good.length}\t${sha(good)}`;
    const hostile = ['../escape.txt', 'evil/../../escape.txt', '/tmp/absolute.txt', 'evil\\..\\escape.txt', 'evil/\0nul.txt', 'C:/windows.txt', './dot.txt', 'evil//double.txt'];
    const fake = await startFake({
      '/api/v1/datasets/evil/manifest.tsv': (_q, s) => s.end(['url\tpath\tsize\tsha256', line('evil/ok.txt'), ...hostile.map(line)].join('\n')),
      '/raw/good': (_q, s) => s.end(good),
    });
    try {
      const out = join(tmp.dir, 'hostile', 'out');
      const r = await cli(['evil', '--out', out, '--server', fake.url]).done;
      expect(r.code).toBe(1);
      expect(r.err).toContain(`refused ${hostile.length} manifest line(s)`);
      for (const p of hostile) expect(r.err).toContain(JSON.stringify(p));
      expect([...tree(join(tmp.dir, 'hostile')).keys()]).toEqual(['out/evil/ok.txt']);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('names every file that fails verification or download, retries 5xx, and restarts when Range is ignored', async () => {
    const a = randomBytes(300_000);
    const b = randomBytes(1000);
    let flaky = 0;
    const ranged: string[] = [];
    const fake = await startFake({
      '/api/v1/datasets/broken/manifest.tsv': (_q, s) => s.end([
        'url\tpath\tsize\tsha256',
        `/ignores-range\tbroken/a.bin\t${a.length}\t${sha(a)}`,
        `/wrong-bytes\tbroken/b.bin\t${b.length}\t${sha(b)}`,
        `/gone\tbroken/c.bin\t5\t${'0'.repeat(64)}`,
        `/flaky\tbroken/d.bin\t${b.length}\t${sha(b)}`,
        `/ranged\tbroken/e.bin\t${a.length}\t${sha(a)}`,
      ].join('\n')),
      // Honours Range (RFC 7233): a resumed part with bad bytes is caught by the SHA-256 and fetched again whole.
      '/ranged': (q, s) => {
        ranged.push(q.headers.range ?? '');
        const start = Number(/^bytes=(\d+)-$/.exec(q.headers.range ?? '')?.[1] ?? 0);
        s.writeHead(start ? 206 : 200, start ? { 'content-range': `bytes ${start}-${a.length - 1}/${a.length}` } : {}).end(a.subarray(start));
      },
      '/ignores-range': (_q, s) => s.end(a),
      '/wrong-bytes': (_q, s) => s.end(Buffer.from(b).fill(7, 0, 10)),
      '/flaky': (_q, s) => (flaky++ < 2 ? s.writeHead(503).end() : s.end(b)),
    });
    try {
      const out = join(tmp.dir, 'broken');
      mkdirSync(join(out, 'broken'), { recursive: true });
      writeFileSync(join(out, 'broken/a.bin.part'), a.subarray(0, 100_000));
      writeFileSync(join(out, 'broken/e.bin.part'), randomBytes(1000));
      const r = await cli(['broken', '--out', out, '--server', fake.url]).done;
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/2 file\(s\) failed download or verification:\n {2}broken\/b\.bin: SHA-256 mismatch.*\n {2}broken\/c\.bin: HTTP 404/);
      expect(flaky).toBe(3);
      expect(ranged).toEqual(['bytes=1000-', '']);
      expect(tree(out)).toEqual(new Map([['broken/a.bin', sha(a)], ['broken/d.bin', sha(b)], ['broken/e.bin', sha(a)]]));
    } finally {
      await fake.close();
    }
  }, 60_000);
});

describe('download helpers', () => {
  it('parses arguments, checks paths and draws a progress line', async () => {
    await expect(createDownloadClient().manifest({ server: 'ftp://x', target: SLUG, out: '/o' })).rejects.toThrow(/--server must be an http\(s\) URL/);
    expect(parseDownloadArgs(['x', '--out=/d', '--jobs', '8', '--label', 'cat dog'])).toEqual({ target: 'x', out: '/d', jobs: 8, label: 'cat dog', server: undefined, path: undefined });
    for (const [args, message] of [
      [[SLUG], /--out <dir> is required/],
      [[], /expected one dataset slug or selection id/],
      [[SLUG, 'other', '--out', 'o'], /expected one dataset slug or selection id/],
      [[SLUG, '--out', 'o', '--jobs', '0'], /--jobs must be an integer from 1 to 64/],
      [[SLUG, '--out', 'o', '--jobs', '2.5'], /--jobs must be an integer from 1 to 64/],
      [[SLUG, '--out'], /--out needs a value/],
    ] as [string[], RegExp][]) expect(() => parseDownloadArgs(args), args.join(' ')).toThrow(message);
    expect(unsafePathReason('a/b.png', '/out')).toBeNull();
    expect(unsafePathReason('a/%2e%2e/b', '/out')).toBeNull();
    expect(unsafePathReason('a/../../b', '/out')).toMatch(/\.\./);
    expect(unsafePathReason('..', '/out')).toMatch(/\.\./);
    expect(downloadLine({ bytesDone: 2 ** 20, bytesTotal: 4 * 2 ** 20, filesDone: 1, filesTotal: 4, failed: 0, received: 2 ** 20, startedAt: 0 }, 1000, 8))
      .toBe('[##------] 1.0 MiB/4.0 MiB  1.0 MiB/s  ETA 3s  1/4 files');
  });
});
