import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.js';
import { filePageOf } from '../domain/file-page.js';
import { type ArchiveGroup, planZip, type ZipPlan } from '../domain/zip-plan.js';
import { createArchivePacksRepo } from '../repos/archive-packs.repo.js';
import { createRawFilesRepo } from '../repos/raw-files.repo.js';
import { createSmallFilesRepo, type SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { createArchivePacks, type PackLimits } from './archive-packs.js';
import { archiveBytes } from './archive-stream.js';
import { freshBlocks } from '../domain/block-pool.js';
import { indexedMtime } from '../../test/download-fixture.js';

const stale = (m: string) => new AppError('conflict', 'stale_index', m);
const smallLimits = { maxFile: 4096, batchFiles: 16, batchBytes: 16 * 1024, ahead: 2 };
let dir: string;
let root: string;
let small: SmallFilesRepo;
const raw = createRawFilesRepo();

/** Files of 0-2 KB (packed), some of 3 KB (runs, not packed) and of 9 KB (read alone), under two folders. */
function makeFiles() {
  const rows: { id: number; path: string; size: number; mtime_ms: number; sha256: string; crc32: string }[] = [];
  for (let i = 0; i < 300; i++) {
    const path = `${i % 2 ? 'b' : 'a'}/f${String(i).padStart(3, '0')}.txt`;
    const data = Buffer.alloc(i % 37 === 0 ? 9000 : i % 11 === 0 ? 3000 : (i * 7919) % 2048, `file ${i};`);
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), data);
    rows.push({ id: i, path, size: data.length, mtime_ms: indexedMtime(join(root, path)), sha256: 'f'.repeat(64), crc32: (crc32(data) >>> 0).toString(16).padStart(8, '0') });
  }
  return rows.sort((x, y) => (x.path < y.path ? -1 : 1));
}
let rows: ReturnType<typeof makeFiles>;

/** An archive group over `rows` (an index in memory), under `prefix`. */
const group = (prefix: string, which = rows): ArchiveGroup => ({
  prefix,
  page: async (after, limit) => {
    const from = after === null ? 0 : which.findIndex((r) => r.path === after) + 1;
    return filePageOf(which.slice(from, from + limit));
  },
  trailers: [{ name: `${prefix}NOTE.txt`, altName: `${prefix}MEDIMG-NOTE.txt`, bytes: Buffer.from('a note\n') }],
});

async function bytesOf(plan: ZipPlan, packs: ReturnType<typeof createArchivePacks> | null, id: string, start = 0, end = plan.total): Promise<Buffer> {
  const out: Buffer[] = [];
  const pack = packs ? () => packs.open(id, plan) : undefined;
  for await (const b of archiveBytes({ plan, roots: [root], raw, small, smallLimits, stale, pack }, start, end, freshBlocks(64 * 1024))) out.push(Buffer.from(b));
  return Buffer.concat(out);
}

const packsIn = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'medimg-packs-'));
  root = join(dir, 'mirror');
  rows = makeFiles();
  small = createSmallFilesRepo({ addon: resolve(import.meta.dirname, '../../build/small-files.node'), ring: true });
});
afterAll(async () => {
  await small.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('archive packs', () => {
  const limits: PackLimits = { maxFile: 2048, minFiles: 100, capBytes: 10 * 1024 * 1024 };
  const make = (store: string, l = limits) => createArchivePacks({ repo: createArchivePacksRepo(store), raw, small, smallLimits, limits: l, stale });

  it('stores the small files with their headers in archive order; an archive read with the pack is byte for byte the one read file by file, for any range', async () => {
    const store = join(dir, 'packs-1');
    const packs = make(store);
    const plan = await planZip([group('ds/')], 64, undefined, limits.maxFile);
    expect(plan.pack.files).toBeGreaterThan(200);
    const id = packs.idOf('"etag-1"');
    const plain = await bytesOf(plan, null, id);
    expect(packs.open(id, plan)).toBeNull();
    await packs.build(id, plan, [root]);
    expect(packsIn(store)).toEqual([`${id}.pack`]);
    // The pack read off the plain archive: each local header (30 bytes + name) and content of a file of <= 2048 bytes.
    const expected: Buffer[] = [];
    for (let at = 0; plain.readUInt32LE(at) === 0x04034b50;) {
      const size = plain.readUInt32LE(at + 18);
      const len = 30 + plain.readUInt16LE(at + 26) + plain.readUInt16LE(at + 28) + size;
      if (size <= 2048 && !plain.toString('utf8', at + 30, at + 30 + plain.readUInt16LE(at + 26)).endsWith('NOTE.txt')) expected.push(plain.subarray(at, at + len));
      at += len;
    }
    expect(readFileSync(join(store, `${id}.pack`)).equals(Buffer.concat(expected))).toBe(true);
    expect((await bytesOf(plan, packs, id)).equals(plain)).toBe(true);
    for (let s = 0; s < plan.total; s += 4999) {
      const e = Math.min(plan.total, s + 1 + ((s * 13) % 70_000));
      expect((await bytesOf(plan, packs, id, s, e)).equals(plain.subarray(s, e))).toBe(true);
    }
    // The packed files come from the pack: a change on disk that keeps size and time is not seen.
    const f = rows.find((r) => r.size > 100 && r.size <= 2048)!;
    const path = join(root, f.path);
    const orig = readFileSync(path);
    writeFileSync(path, Buffer.alloc(orig.length, 'X'));
    utimesSync(path, new Date(), (f.mtime_ms + 0.5) / 1000);
    try {
      expect((await bytesOf(plan, packs, id)).equals(plain)).toBe(true);
      expect((await bytesOf(plan, null, id)).equals(plain)).toBe(false);
    } finally {
      writeFileSync(path, orig);
      utimesSync(path, new Date(), (f.mtime_ms + 0.5) / 1000);
    }
    // A pack of the wrong size is not used, and is deleted.
    writeFileSync(join(store, `${id}.pack`), 'short');
    expect(packs.open(id, plan)).toBeNull();
    expect(packsIn(store)).toEqual([]);
  });

  it('makes no pack when a file changed since it was indexed, leaves nothing behind and says why', async () => {
    const store = join(dir, 'packs-2');
    const packs = make(store);
    const plan = await planZip([group('ds/')], 64, undefined, limits.maxFile);
    const f = rows.find((r) => r.size > 0 && r.size <= 2048)!;
    const path = join(root, f.path);
    utimesSync(path, new Date(), (f.mtime_ms + 5000) / 1000);
    try {
      await packs.build('0'.repeat(64), plan, [root]);
    } finally {
      utimesSync(path, new Date(), (f.mtime_ms + 0.5) / 1000);
    }
    expect(packsIn(store)).toEqual([]);
    expect(packs.lastFailure('0'.repeat(64))).toMatch(new RegExp(`${f.path}.*changed since it was indexed`));
    // Not tried again at once.
    await packs.build('0'.repeat(64), plan, [root]);
    expect(packsIn(store)).toEqual([]);
  });

  it('keeps the stored packs within the cap, the least recently used deleted first; makes none for too few files or more than the cap', async () => {
    const store = join(dir, 'packs-3');
    const one = await planZip([group('ds/')], 64, undefined, limits.maxFile);
    const packs = make(store, { ...limits, capBytes: Math.floor(one.pack.bytes * 2.5) });
    const plans = await Promise.all(['a/', 'b/', 'c/'].map((p) => planZip([group(p)], 64, undefined, limits.maxFile)));
    const ids = ['1', '2', '3'].map((n) => n.repeat(64));
    await packs.build(ids[0]!, plans[0]!, [root]);
    await packs.build(ids[1]!, plans[1]!, [root]);
    expect(packsIn(store)).toEqual([`${ids[0]}.pack`, `${ids[1]}.pack`]);
    // The first is used again: the second is now the least recently used, and goes for the third.
    const back = new Date(Date.now() - 60_000);
    utimesSync(join(store, `${ids[1]}.pack`), back, back);
    packs.open(ids[0]!, plans[0]!)!.close();
    await packs.build(ids[2]!, plans[2]!, [root]);
    expect(packsIn(store)).toEqual([`${ids[0]}.pack`, `${ids[2]}.pack`]);
    // Too few small files, or a pack larger than the cap: none.
    const few = await planZip([group('ds/', rows.slice(0, 50))], 64, undefined, limits.maxFile);
    await make(join(dir, 'packs-4')).build('4'.repeat(64), few, [root]);
    await make(join(dir, 'packs-5'), { ...limits, capBytes: one.pack.bytes - 1 }).build('5'.repeat(64), one, [root]);
    expect(readdirSync(dir).filter((n) => n === 'packs-4' || n === 'packs-5')).toEqual([]);
  });

  it('leaves at least 1 GiB or 5% of the disk free', async () => {
    const store = join(dir, 'packs-7');
    const plan = await planZip([group('ds/')], 64, undefined, limits.maxFile);
    const repo = createArchivePacksRepo(store);
    const GiB = 1024 ** 3;
    const on = (free: number, total: number) => createArchivePacks({ repo: { ...repo, space: () => ({ free, total }) }, raw, small, smallLimits, limits, stale });
    const tight = on(GiB + plan.pack.bytes - 1, 10 * GiB);
    await tight.build('7'.repeat(64), plan, [root]);
    expect(tight.lastFailure('7'.repeat(64))).toMatch(/not enough free disk space/);
    const share = on(5 * GiB + plan.pack.bytes - 1, 100 * GiB);
    await share.build('7'.repeat(64), plan, [root]);
    expect(share.lastFailure('7'.repeat(64))).toMatch(/not enough free disk space/);
    expect(packsIn(store)).toEqual([]);
    const roomy = on(5 * GiB + plan.pack.bytes, 100 * GiB);
    await roomy.build('7'.repeat(64), plan, [root]);
    expect(packsIn(store)).toEqual([`${'7'.repeat(64)}.pack`]);
  });

  it('makes a pack on request (after an ingestion), retrying one that failed, and says what is stored', async () => {
    const store = join(dir, 'packs-8');
    const packs = make(store);
    const plan = await planZip([group('ds/')], 64, undefined, limits.maxFile);
    const id = '8'.repeat(64);
    const f = rows.find((r) => r.size > 0 && r.size <= 2048)!;
    const path = join(root, f.path);
    utimesSync(path, new Date(), (f.mtime_ms + 5000) / 1000);
    try {
      expect(await packs.prepare(id, plan, [root])).toBe(`no archive pack (ds/${f.path} changed since it was indexed (modification time differs): re-ingest the dataset)`);
    } finally {
      utimesSync(path, new Date(), (f.mtime_ms + 0.5) / 1000);
    }
    expect(await packs.prepare(id, plan, [root])).toBe(`archive pack of ${plan.pack.files} small files stored (${(plan.pack.bytes / 1e6).toFixed(1)} MB)`);
    expect(packsIn(store)).toEqual([`${id}.pack`]);
    const few = await planZip([group('ds/', rows.slice(0, 50))], 64, undefined, limits.maxFile);
    expect(await packs.prepare(id, few, [root])).toMatch(/^no archive pack \(\d+ files of up to 2048 bytes, fewer than 100\)$/);
    expect(await make(store, { ...limits, capBytes: 0 }).prepare(id, plan, [root])).toBe('no archive pack (turned off)');
  });

  it('stops the pack being made when closed, and deletes it', async () => {
    const store = join(dir, 'packs-6');
    const packs = make(store);
    const plan = await planZip([group('ds/')], 64, undefined, limits.maxFile);
    const id = '6'.repeat(64);
    const building = packs.build(id, plan, [root]);
    await packs.close();
    await building;
    expect(packsIn(store)).toEqual([]);
    expect(packs.lastFailure(id)).toMatch(/stopping/);
    await packs.build(id, plan, [root]);
    expect(packsIn(store)).toEqual([]);
  });
});
