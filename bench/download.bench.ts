// Download throughput over loopback: GET /api/v1/datasets/:slug/archive.zip of a generated
// dataset (many files of a few MB and many of a few KB, >= 2 GB), against two baselines in
// the same run: one single file of the same byte count from the same server (/raw), and
// `cat` of the dataset's files to /dev/null. The server runs in a child process, so its
// peak RSS (VmHWM) is its own. The archive's small files are read from the pack the server stores
// after the first download; a second server without packs gives the figure of a download that
// reads every file (the first after the dataset's contents changed). The tree and the index are
// cached under BENCH_DOWNLOAD_DIR.
// Sizes: BENCH_BIG (files of 4 MiB, default 480), BENCH_SMALL (files of 8 KiB, default 10000).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { openInstance, startWorker } from '../src/main.js';

const run = promisify(execFile);
const N_BIG = Number(process.env.BENCH_BIG ?? 480);
const N_SMALL = Number(process.env.BENCH_SMALL ?? 10_000);
const BIG = 4 * 1024 * 1024;
const SMALL = 8 * 1024;
const ROOT = resolve(process.env.BENCH_DOWNLOAD_DIR ?? join(tmpdir(), `medimg-bench-download-${N_BIG}-${N_SMALL}`));
const TREE = join(ROOT, 'tree');
const SINGLE = join(ROOT, 'single');
const DATA = join(ROOT, 'data');
const CATALOG = resolve(import.meta.dirname, '../test/fixtures/catalog');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

/** Content that differs per file without costing a random generator 2 GB of work. */
function fill(buf: Buffer, seed: number) {
  for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(((i * 2654435761) ^ (seed * 40503)) >>> 0, i);
}

function generate(): number {
  const done = join(ROOT, '.complete');
  if (existsSync(done)) return Number(readFileSync(done, 'utf8'));
  rmSync(ROOT, { recursive: true, force: true });
  let total = 0;
  const big = Buffer.alloc(BIG);
  for (let i = 0; i < N_BIG; i++) {
    const dir = join(TREE, `subject-${String(Math.floor(i / 20)).padStart(3, '0')}`);
    mkdirSync(dir, { recursive: true });
    fill(big, i);
    writeFileSync(join(dir, `scan-${i}.bin`), big);
    total += BIG;
  }
  const small = Buffer.alloc(SMALL);
  for (let i = 0; i < N_SMALL; i++) {
    const dir = join(TREE, 'labels', `part-${String(Math.floor(i / 500)).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    fill(small, 1_000_000 + i);
    writeFileSync(join(dir, `label-${i}.txt`), small);
    total += SMALL;
  }
  // The baseline: one file with the same byte count.
  mkdirSync(SINGLE, { recursive: true });
  const fd = openSync(join(SINGLE, 'all.bin'), 'w');
  for (let left = total; left > 0; left -= big.length) writeSync(fd, big, 0, Math.min(big.length, left));
  closeSync(fd);
  writeFileSync(done, String(total));
  return total;
}

async function ingest() {
  const config = loadConfig({ MEDIMG_DATA_DIR: DATA, MEDIMG_CATALOG_DIR: CATALOG, LOG_LEVEL: 'silent', MEDIMG_THUMBNAILS: '0' });
  const instance = await openInstance(config);
  try {
    await instance.services.ingest.request('gamma-chest-xray', TREE);
    await instance.services.ingest.request('alpha-lung-ct', SINGLE);
    const worker = startWorker(instance.services);
    while (await worker.runOne()) { /* drain */ }
    // The ingestion's 30 s per-file limit may stop it hashing a 2 GB file on a busy machine:
    // index the baseline file the same way here, without that limit.
    const row = await instance.db.selectFrom('files').select(['id', 'sha256']).where('slug', '=', 'alpha-lung-ct').executeTakeFirst();
    if (row && !row.sha256) {
      const hash = createHash('sha256');
      let crc = 0;
      const fd = openSync(join(SINGLE, 'all.bin'), 'r');
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) {
        hash.update(buf.subarray(0, n));
        crc = crc32(buf.subarray(0, n), crc);
      }
      closeSync(fd);
      await sql`UPDATE files SET sha256 = ${hash.digest('hex')}, crc32 = ${crc.toString(16).padStart(8, '0')}, error = NULL WHERE id = ${row.id}`.execute(instance.db);
    }
    return (await instance.db.selectFrom('files').select('id').where('slug', '=', 'alpha-lung-ct').executeTakeFirstOrThrow()).id;
  } finally {
    await instance.close();
  }
}

function startServer(env: Record<string, string> = {}): Promise<{ base: string; pid: number; stop: () => void }> {
  // As `npm start` runs it (a small young generation and two malloc arenas: less memory held between
  // collections and after other threads' work), without the demo mirror: its ingestion on a fresh data
  // directory would overlap the first downloads.
  const child = spawn(process.execPath, ['--max-semi-space-size=4', resolve(import.meta.dirname, '../bin/medimg.js'), 'serve'], {
    env: { ...process.env, MALLOC_ARENA_MAX: '2', PORT: '0', HOST: '127.0.0.1', MEDIMG_DATA_DIR: DATA, MEDIMG_CATALOG_DIR: CATALOG, LOG_LEVEL: 'warn', MEDIMG_THUMBNAILS: '0', MEDIMG_UPDATE_INTERVAL: '0', MEDIMG_DEMO: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) ok({ base: m[1]!, pid: child.pid!, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => fail(new Error(`server exited (${code}): ${out}`)));
  });
}

/** CPU seconds (user + system) the server has used so far: less sensitive to a busy machine than wall time. */
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function curlRate(url: string, expectBytes: number): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url]);
  const [bytes, seconds] = stdout.trim().split(' ').map(Number) as [number, number];
  if (bytes < expectBytes) throw new Error(`${url}: ${bytes} bytes, expected at least ${expectBytes}`);
  return bytes / seconds / 1e6;
}

let touches = 0;
/**
 * Files re-indexed after a touch, as a re-ingest records them: each gets a new modification time on
 * disk and in its index row (from another connection). That moves the dataset's files revision (a
 * trigger), so the server's next archive request plans again: one read of every index row, and the
 * pages (1,024 files) holding a changed file worked out again; the others come from the previous
 * plan. `every` picks one file in every `every` (in path order) from the first.
 */
function reindexTouched(every: number) {
  const db = new Database(join(DATA, 'medimg.db'));
  try {
    const rows = db.prepare("SELECT id, path FROM files WHERE slug = 'gamma-chest-xray' ORDER BY path").all() as { id: number; path: string }[];
    const when = new Date(Date.UTC(2026, 0, 1) + 1000 * ++touches);
    const update = db.prepare('UPDATE files SET mtime_ms = ? WHERE id = ?');
    for (let i = 0; i < rows.length; i += every) {
      const file = join(TREE, rows[i]!.path);
      utimesSync(file, when, when);
      update.run(Math.trunc(statSync(file).mtimeMs), rows[i]!.id);
    }
  } finally {
    db.close();
  }
}

async function catRate(bytes: number): Promise<number> {
  const t0 = performance.now();
  await run('sh', ['-c', `find "${TREE}" -type f -print0 | xargs -0 cat > /dev/null`]);
  return bytes / ((performance.now() - t0) / 1000) / 1e6;
}

/** Waits (up to a minute) for the pack the first download leaves behind. */
async function packMade(since: number): Promise<{ bytes: number; seconds: number }> {
  const dir = join(DATA, 'packs');
  for (let i = 0; i < 600; i++) {
    const packs = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.pack')) : [];
    if (packs.length) return { bytes: statSync(join(dir, packs[0]!)).size, seconds: (performance.now() - since) / 1000 };
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('no archive pack was made within a minute of the first download');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const t0 = performance.now();
const total = generate();
console.log(`tree: ${N_BIG} files of 4 MiB + ${N_SMALL} files of 8 KiB = ${(total / 1e9).toFixed(2)} GB in ${ROOT} (${((performance.now() - t0) / 1000).toFixed(1)} s to prepare)`);
const t1 = performance.now();
const singleId = await ingest();
console.log(`index: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
if (statSync(join(SINGLE, 'all.bin')).size !== total) throw new Error('baseline file has the wrong size');

// A stored pack of the small files is made after the first download of an archive; the second
// server has none (MEDIMG_ARCHIVE_PACK_MB=0): every small file is read at each download, as for
// the first download after the dataset's contents changed.
rmSync(join(DATA, 'packs'), { recursive: true, force: true });
const server = await startServer();
const unpacked = await startServer({ MEDIMG_ARCHIVE_PACK_MB: '0' });
try {
  const archiveUrl = `${server.base}/api/v1/datasets/gamma-chest-xray/archive.zip`;
  const singleUrl = `${server.base}/api/v1/files/${singleId}/raw`;
  const rssAtStart = peakRssMb(server.pid);
  const t0Head = performance.now();
  const archiveBytes = Number((await fetch(archiveUrl, { method: 'HEAD' })).headers.get('content-length'));
  const planMs = performance.now() - t0Head;
  await catRate(total); // page cache warm for everyone
  const unpackedUrl = `${unpacked.base}/api/v1/datasets/gamma-chest-xray/archive.zip`;
  const rates = { archive: [] as number[], one: [] as number[], again: [] as number[], unpacked: [] as number[], single: [] as number[], cat: [] as number[] };
  const cpu = { archive: [] as number[], one: [] as number[], again: [] as number[], unpacked: [] as number[], single: [] as number[] };
  const hwm: string[] = []; // the peak after each download: where memory grew
  const timed = async (kind: 'archive' | 'one' | 'again' | 'unpacked' | 'single', url: string, bytes: number) => {
    const pid = kind === 'unpacked' ? unpacked.pid : server.pid;
    const c0 = cpuSeconds(pid);
    rates[kind].push(await curlRate(url, bytes));
    cpu[kind].push(cpuSeconds(pid) - c0);
    if (kind !== 'unpacked') hwm.push(`${kind} ${peakRssMb(server.pid).toFixed(0)}`);
  };
  // Each round's archives come between two single-file downloads (the last of a round is the first
  // of the next), so each can be compared with the baseline measured around it.
  // Warm-up, not counted: the first downloads after start compile the stream's code (V8 optimizes it
  // on helper threads over the first few downloads); planning after start is timed above.
  await curlRate(singleUrl, total);
  const tPack = performance.now();
  await curlRate(archiveUrl, archiveBytes);
  const pack = await packMade(tPack);
  await curlRate(unpackedUrl, archiveBytes);
  await timed('single', singleUrl, total);
  for (let r = 0; r < ROUNDS; r++) {
    reindexTouched(1024); // a file in every page: the whole plan is worked out again
    await timed('archive', archiveUrl, archiveBytes);
    reindexTouched(Number.MAX_SAFE_INTEGER); // one file: one page worked out again
    await timed('one', archiveUrl, archiveBytes);
    await timed('again', archiveUrl, archiveBytes); // the same archive: its plan is reused
    await fetch(unpackedUrl, { method: 'HEAD' }); // planned (untimed): compared with the plan reused
    await timed('unpacked', unpackedUrl, archiveBytes);
    await timed('single', singleUrl, total);
    rates.cat.push(await catRate(total));
  }
  const fmt = (xs: number[]) => `${median(xs).toFixed(0)} MB/s (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  console.log(`archive.zip (${(archiveBytes / 1e9).toFixed(2)} GB, ${N_BIG + N_SMALL + 4} entries), planned first: ${fmt(rates.archive)}`);
  console.log(`after one file re-indexed (one page):    ${fmt(rates.one)}`);
  console.log(`the same archive again (plan reused):   ${fmt(rates.again)}`);
  console.log(`without a pack (plan reused, 2nd server): ${fmt(rates.unpacked)}`);
  console.log(`single file via /raw (${(total / 1e9).toFixed(2)} GB):   ${fmt(rates.single)}`);
  console.log(`cat of the files to /dev/null:          ${fmt(rates.cat)}`);
  console.log(`planning (first HEAD of the archive, ${N_BIG + N_SMALL} index rows): ${planMs.toFixed(0)} ms`);
  console.log(`archive / single file: ${(median(rates.archive) / median(rates.single)).toFixed(2)}x planned first, ${(median(rates.one) / median(rates.single)).toFixed(2)}x after one file re-indexed, ${(median(rates.again) / median(rates.single)).toFixed(2)}x plan reused, ${(median(rates.unpacked) / median(rates.single)).toFixed(2)}x without a pack (target >= 0.9x)`);
  // Each archive against the mean of the two single-file downloads around its round: less sensitive
  // to a machine whose speed drifts during the run.
  const paired = (kind: 'archive' | 'one' | 'again' | 'unpacked') => rates[kind].map((r, i) => r / ((rates.single[i]! + rates.single[i + 1]!) / 2));
  const fmtRatios = (xs: number[]) => `${median(xs).toFixed(2)}x (rounds: ${xs.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`  per round, archive / the single files before and after its round: planned first ${fmtRatios(paired('archive'))}; one file re-indexed ${fmtRatios(paired('one'))}; plan reused ${fmtRatios(paired('again'))}; without a pack ${fmtRatios(paired('unpacked'))}`);
  console.log(`server CPU per download (median): archive planned first ${median(cpu.archive).toFixed(2)} s, one file re-indexed ${median(cpu.one).toFixed(2)} s, plan reused ${median(cpu.again).toFixed(2)} s, without a pack ${median(cpu.unpacked).toFixed(2)} s, single file ${median(cpu.single).toFixed(2)} s`);
  console.log(`server peak RSS (VmHWM): ${peakRssMb(server.pid).toFixed(0)} MB, ${rssAtStart.toFixed(0)} MB of it before the first download (target < 150 MB)`);
  console.log(`  peak after each download (MB): ${hwm.join(', ')}`);
  console.log(`pack of the small files: ${(pack.bytes / 1e6).toFixed(1)} MB, stored ${pack.seconds.toFixed(1)} s after the first download began; server without packs: peak RSS ${peakRssMb(unpacked.pid).toFixed(0)} MB`);
} finally {
  server.stop();
  unpacked.stop();
}
