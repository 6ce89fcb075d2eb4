import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Fingerprint, utf8Length } from './zip-fingerprint.js';
import { filePageOf, pathAt } from './file-page.js';
import { localHeaderLen } from './zip.js';
import { type ArchiveGroup, planZip, type RunPiece, StalePlanError, type Trailer, type ZipPlan } from './zip-plan.js';

interface Row { path: string; data: Uint8Array; size?: number; mtime?: number }
const utf8 = new TextEncoder();
const row = (path: string, content: string): Row => ({ path, data: utf8.encode(content) });
const crcOf = (r: Row) => zlibCrc32(r.data);

/** A group of entries `<prefix><path>` over an in-memory list; `calls` counts page reads. */
function group(prefix: string, rows: Row[], trailers: Trailer[] = []) {
  const g = {
    calls: 0,
    rows,
    prefix,
    page: async (after: string | null, limit: number) => {
      g.calls++;
      const from = after === null ? 0 : g.rows.findIndex((r) => r.path === after) + 1;
      return filePageOf(g.rows.slice(from, from + limit).map((r, i) => ({
        id: from + i, path: r.path, size: r.size ?? r.data.length, mtime_ms: r.mtime ?? 0, sha256: 'f'.repeat(64), crc32: crcOf(r).toString(16).padStart(8, '0'),
      })));
    },
    trailers,
  };
  return g satisfies ArchiveGroup;
}

type Planned = ZipPlan & { groups: ReturnType<typeof group>[] };
/** The plan of `groups`, which render() finds file contents in. */
const planOf = async (groups: ReturnType<typeof group>[], pageSize?: number, previous?: ZipPlan): Promise<Planned> => Object.assign(await planZip(groups, pageSize, previous), { groups });

/** The bytes of [start, end); a file's content is looked up by its group and path. */
async function render(plan: Planned, start = 0, end = plan.total, runMax = 0): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const content = (group: number, path: string) => {
    const r = plan.groups[group]!.rows.find((x) => x.path === path);
    if (!r) throw new Error(`no row ${path} in group ${group}`);
    return r.data;
  };
  for await (const batch of plan.pieces(start, end, runMax)) {
    for (const p of batch) {
      if (p.kind === 'bytes') out.push(p.bytes);
      else if (p.kind === 'run') {
        for (let k = p.from, hp = p.headFrom; k < p.to; k++) {
          const size = p.files.sizes[k]!;
          if (runMax === 0 || size > runMax) throw new Error(`${pathAt(p.files, k)} (${size} bytes) in a run of files up to ${runMax} bytes`);
          const headLen = localHeaderLen(p.nameLens[k]!, size);
          out.push(p.heads.subarray(hp, hp + headLen), content(p.group, pathAt(p.files, k)));
          hp += headLen;
          if (k === p.to - 1 && hp !== p.headTo) throw new Error('the run\'s heads end elsewhere');
        }
      } else {
        if (p.head) out.push(p.head);
        out.push(content(p.group, p.path).subarray(p.offset, p.offset + p.length));
      }
    }
  }
  return Buffer.concat(out);
}

const python = (zip: Buffer, script: string) => execFileSync('python3', ['-c', `import sys,io,zipfile,json\nz=zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))\n${script}`], { input: zip, encoding: 'utf8' });

const manifest: Trailer = {
  name: 'ds/MANIFEST.tsv', altName: 'ds/MEDIMG-MANIFEST.tsv', header: 'name\tsize\n',
  lines: (p) => utf8.encode(Array.from({ length: p.count }, (_, k) => `ds/${pathAt(p, k)}\t${p.sizes[k]}\n`).join('')),
};
const license: Trailer = { name: 'ds/LICENSE.txt', altName: 'ds/MEDIMG-LICENSE.txt', bytes: utf8.encode('CC BY 4.0\n') };
const files = () => [row('a.txt', 'hello'), row('empty', ''), row('é/ü.txt', 'x'.repeat(1000)), row('z.bin', 'zz')];

describe('zip plan', () => {
  it('counts UTF-8 bytes like TextEncoder, lone surrogates included', () => {
    for (const s of ['', 'abc', 'é', 'ü/ß', '中文', '😀', 'a\ud800b', '\udc00']) expect(utf8Length(s)).toBe(utf8.encode(s).length);
  });

  it('fingerprints a number the same as its decimal text and a tab, without making the text', () => {
    const nums = [0, 1, 9, 10, 99, 100, 4095, 8192, 0xffffffff, 2 ** 32, 123456789012, 999999999999999, 1e15, 2 ** 53 - 1, 1.5, -3];
    for (let i = 0; i < 2000; i++) nums.push(Math.floor(Math.random() * 10 ** (i % 16)));
    for (const n of nums) {
      const viaText = new Fingerprint();
      viaText.add('x');
      viaText.add(`${n}\t`);
      const viaNum = new Fingerprint();
      viaNum.add('x');
      viaNum.num(n);
      expect(viaNum.digest(), String(n)).toBe(viaText.digest());
    }
  });

  it('makes an archive Python zipfile reads: STORED, 1980 dates, UTF-8 names, files then trailers, CRCs right', async () => {
    const plan = await planOf([group('ds/', files(), [manifest, license]), group('other/', [row('b', 'bee')])], 2);
    const zip = await render(plan);
    expect(zip.length).toBe(plan.total);
    const got = JSON.parse(python(zip, `
assert z.testzip() is None
print(json.dumps([[i.filename, i.compress_type, i.date_time[0], i.flag_bits & 0x800, z.read(i).decode()] for i in z.infolist()]))`)) as [string, number, number, number, string][];
    expect(got.map((g) => g[0])).toEqual(['ds/a.txt', 'ds/empty', 'ds/é/ü.txt', 'ds/z.bin', 'ds/MANIFEST.tsv', 'ds/LICENSE.txt', 'other/b']);
    expect(got.every((g) => g[1] === 0 && g[2] === 1980 && g[3] === 0x800)).toBe(true);
    expect(got[4]![4]).toBe('name\tsize\nds/a.txt\t5\nds/empty\t0\nds/é/ü.txt\t1000\nds/z.bin\t2\n');
    expect(got[6]![4]).toBe('bee');
    expect(plan.entries).toBe(7);
  });

  it('gives a trailer its other name when a file already has that name', async () => {
    const plan = await planOf([group('ds/', [row('LICENSE.txt', 'theirs')], [license])]);
    expect(JSON.parse(python(await render(plan), 'print(json.dumps([[n, z.read(n).decode()] for n in z.namelist()]))')))
      .toEqual([['ds/LICENSE.txt', 'theirs'], ['ds/MEDIMG-LICENSE.txt', 'CC BY 4.0\n']]);
  });

  it('is the same archive whatever the page size, and any range is the same slice of the whole', async () => {
    const whole = await render(await planOf([group('ds/', files(), [manifest, license])], 1024));
    for (const size of [1, 2, 3]) {
      const plan = await planOf([group('ds/', files(), [manifest, license])], size);
      expect((await render(plan)).equals(whole)).toBe(true);
      for (let s = 0; s < plan.total; s += 37) {
        const e = Math.min(plan.total, s + 1 + ((s * 7) % 400));
        expect((await render(plan, s, e)).equals(whole.subarray(s, e))).toBe(true);
      }
      expect((await render(plan, 5, 5)).length).toBe(0);
      await expect(render(plan, 0, plan.total + 1)).rejects.toThrow(RangeError);
    }
  });

  it('gives the same bytes with small files in runs, for any range and any run size', async () => {
    const rows = [...files(), ...Array.from({ length: 40 }, (_, i) => row(`d${i % 3}/f${String(i).padStart(2, '0')}`, 'y'.repeat((i * 53) % 300)))];
    const plan = await planOf([group('ds/', rows, [manifest, license]), group('other/', [row('b', 'bee'), row('c', '')])], 16);
    const whole = await render(plan);
    let runs = 0;
    for await (const batch of plan.pieces(0, plan.total, 100)) runs += batch.filter((p) => p.kind === 'run').length;
    expect(runs).toBeGreaterThan(5);
    for (const runMax of [1, 100, 1000]) {
      expect((await render(plan, 0, plan.total, runMax)).equals(whole)).toBe(true);
      for (let s = 0; s < plan.total; s += 97) {
        const e = Math.min(plan.total, s + 1 + ((s * 13) % 3000));
        expect((await render(plan, s, e, runMax)).equals(whole.subarray(s, e))).toBe(true);
      }
    }
  });

  it('packs the files of at most packMax bytes with their headers in archive order, and every run of them in any range says where it is in the pack', async () => {
    const rows = [...files(), ...Array.from({ length: 40 }, (_, i) => row(`d${i % 3}/f${String(i).padStart(2, '0')}`, 'y'.repeat((i * 53) % 300)))];
    const groups = () => [group('ds/', rows, [manifest, license]), group('other/', [row('b', 'bee'), row('c', ''), row('d', 'd'.repeat(500))], [license])];
    const plan = await planZip(groups(), 16, undefined, 100);
    const whole = await render(Object.assign(await planZip(groups(), 16), { groups: groups() }));
    // The pack read off the archive itself: each local header (30 bytes + name) and its content, for files of <= 100 bytes.
    const trailers = new Set(['ds/MANIFEST.tsv', 'ds/LICENSE.txt', 'other/LICENSE.txt']);
    const expected: Buffer[] = [];
    let packed = 0;
    for (let at = 0; whole.readUInt32LE(at) === 0x04034b50;) {
      const size = whole.readUInt32LE(at + 18);
      const nameLen = whole.readUInt16LE(at + 26);
      const len = 30 + nameLen + whole.readUInt16LE(at + 28) + size;
      if (size <= 100 && !trailers.has(whole.toString('utf8', at + 30, at + 30 + nameLen))) {
        expected.push(whole.subarray(at, at + len));
        packed++;
      }
      at += len;
    }
    const pack = Buffer.concat(expected);
    expect(plan.pack).toEqual({ max: 100, files: packed, bytes: pack.length });
    expect(packed).toBeGreaterThan(12);
    // packPieces: the packed runs one after the other are the pack.
    const content = (g: number, path: string) => Buffer.from(groups()[g]!.rows.find((r) => r.path === path)!.data);
    const bytesOf = (p: RunPiece) => {
      const out: Buffer[] = [];
      for (let k = p.from, hp = p.headFrom; k < p.to; k++) {
        const headLen = localHeaderLen(p.nameLens[k]!, p.files.sizes[k]!);
        out.push(Buffer.from(p.heads.subarray(hp, hp + headLen)), content(p.group, pathAt(p.files, k)));
        hp += headLen;
      }
      return Buffer.concat(out);
    };
    const fromRuns: Buffer[] = [];
    for await (const batch of plan.packPieces()) for (const p of batch) if (p.kind === 'run') fromRuns.push(bytesOf(p));
    expect(Buffer.concat(fromRuns).equals(pack)).toBe(true);
    // Any range, any run size: a run is all packed (and is its slice of the pack) or none.
    let checked = 0;
    for (const runMax of [50, 100, 1000]) {
      for (let s = 0; s < plan.total; s += 89) {
        const e = Math.min(plan.total, s + 1 + ((s * 13) % 3000));
        for await (const batch of plan.pieces(s, e, runMax)) {
          for (const p of batch) {
            if (p.kind !== 'run') continue;
            const sizes = Array.from(p.files.sizes.subarray(p.from, p.to));
            if (p.packAt < 0) expect(sizes.every((n) => n > 100)).toBe(true);
            else {
              expect(sizes.every((n) => n <= 100)).toBe(true);
              const b = bytesOf(p);
              expect(b.equals(pack.subarray(p.packAt, p.packAt + b.length))).toBe(true);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    // No pack: no packed runs.
    const none = await planZip(groups(), 16);
    expect(none.pack).toEqual({ max: 0, files: 0, bytes: 0 });
    for await (const batch of none.pieces(0, none.total, 1000)) for (const p of batch) if (p.kind === 'run') expect(p.packAt).toBe(-1);
  });

  it('seeks: a range inside one file reads at most the page that holds it, and yields just that slice', async () => {
    // 100 files in pages of 4: the first 16 pages stay in memory from planning, the rest are read again.
    const rows = Array.from({ length: 100 }, (_, i) => row(String(i).padStart(2, '0'), `content ${i}`));
    rows[90]!.size = 10_000_000_000; // planned as 10 GB, never read here
    const g = group('ds/', rows);
    const plan = await planOf([g], 4);
    const planned = g.calls;
    for await (const batch of plan.pieces(0, 100)) expect(batch.length).toBeGreaterThan(0);
    expect(g.calls).toBe(planned);
    // Where the big file's data starts: 90 files of 30 + 5 + 10 or 11 bytes each, then its own header (with ZIP64 extra).
    let at = 0;
    for (let i = 0; i < 90; i++) at += 30 + 5 + utf8.encode(`content ${i}`).length;
    at += 30 + 5 + 20;
    const pieces = [];
    for await (const batch of plan.pieces(at + 5_000_000_000, at + 5_000_000_010)) pieces.push(...batch);
    expect(pieces).toEqual([{ kind: 'file', group: 0, name: 'ds/90', path: '90', size: 10_000_000_000, crc32: crcOf(rows[90]!), mtimeMs: 0, offset: 5_000_000_000, length: 10, head: undefined }]);
    expect(g.calls - planned).toBe(1);
  });

  it('switches to ZIP64 for sizes and offsets >= 4 GiB: extra fields, 0xFFFFFFFF markers, zip64 end record and locator', async () => {
    const big: Row = { path: 'big.bin', data: new Uint8Array(0), size: 0x1_0000_0000 + 5 };
    const plan = await planOf([group('ds/', [big, row('after', 'abc')])]);
    const lh = await render(plan, 0, 30 + 10 + 20);
    expect(lh.readUInt16LE(4)).toBe(45);
    expect(lh.readUInt32LE(18)).toBe(0xffffffff);
    expect(lh.readUInt16LE(28)).toBe(20);
    expect(lh.readUInt16LE(30 + 10)).toBe(0x0001);
    expect(Number(lh.readBigUInt64LE(30 + 10 + 4))).toBe(big.size);
    const afterOffset = 60 + big.size!;
    const cdOffset = afterOffset + 30 + 8 + 3;
    const tail = await render(plan, cdOffset, plan.total);
    const bigCentral = 46 + 10 + 4 + 16;
    const ch = tail.subarray(bigCentral); // the small entry, but its offset is past 4 GiB
    expect(ch.readUInt32LE(0)).toBe(0x02014b50);
    expect(ch.readUInt32LE(20)).toBe(3);
    expect(ch.readUInt32LE(42)).toBe(0xffffffff);
    expect(Number(ch.readBigUInt64LE(46 + 8 + 4))).toBe(afterOffset);
    const end = tail.subarray(tail.length - 98);
    const cdSize = tail.length - 98;
    expect(end.readUInt32LE(0)).toBe(0x06064b50);
    expect(Number(end.readBigUInt64LE(48))).toBe(cdOffset);
    expect(end.readUInt32LE(56)).toBe(0x07064b50);
    expect(Number(end.readBigUInt64LE(64))).toBe(cdOffset + cdSize);
    expect(end.readUInt32LE(76 + 16)).toBe(0xffffffff);
  });

  it('uses the zip64 end records for more than 65534 entries', async () => {
    const many = Array.from({ length: 70_000 }, (_, i) => ({ path: String(i).padStart(6, '0'), data: new Uint8Array(0) }));
    const plan = await planOf([group('d/', many)], 1024);
    const end = await render(plan, plan.total - 98);
    expect(Number(end.readBigUInt64LE(32))).toBe(70_000);
    expect(end.readUInt16LE(76 + 10)).toBe(0xffff);
  });

  it('refuses a page re-read after planning whose entries changed, and unsafe names at planning', async () => {
    const many = () => Array.from({ length: 40 }, (_, i) => row(String(i).padStart(2, '0'), `c${i}`));
    const g = group('ds/', many());
    const plan = await planOf([g], 2); // 20 pages: pages 17 to 20 are read again when streamed
    g.rows = many().map((r, i) => (i === 38 ? row(r.path, 'CHANGED') : r));
    await expect(render(plan)).rejects.toThrow(StalePlanError);
    g.rows = many().slice(0, 39);
    await expect(render(plan, plan.total - 30)).rejects.toThrow(StalePlanError);
    g.rows = many();
    expect((await render(plan)).length).toBe(plan.total);
    await expect(planZip([group('ds/', [row('../x', '')])])).rejects.toThrow(/Unsafe/);
  });

  it('takes the pages whose files did not change from the plan made before the change, and makes the same archive as a new plan', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => row(i === 13 ? 'LICENSE.txt' : String(i).padStart(2, '0'), `content ${i}`));
    let lineCalls = 0;
    const counted: Trailer = { ...manifest, lines: (p) => { lineCalls++; return 'lines' in manifest ? manifest.lines(p) : new Uint8Array(0); } };
    const g = group('ds/', rows, [counted, license]);
    const first = await planOf([g], 4); // 8 pages, one of them with a file named like the licence trailer
    expect(lineCalls).toBe(8);
    lineCalls = 0;
    const same = await planOf([g], 4, first);
    expect(lineCalls).toBe(0);
    expect((await render(same)).equals(await render(first))).toBe(true);
    // One file changed: only its page is worked out again.
    g.rows = rows.map((r, i) => (i === 21 ? row(r.path, 'CHANGED!') : r));
    lineCalls = 0;
    const changed = await planOf([g], 4, same);
    expect(lineCalls).toBe(1);
    const fresh = await render(await planOf([group('ds/', g.rows, [manifest, license])], 4));
    expect((await render(changed)).equals(fresh)).toBe(true);
    expect(JSON.parse(python(fresh, 'print(json.dumps(z.namelist()[-2:]))'))).toEqual(['ds/MANIFEST.tsv', 'ds/MEDIMG-LICENSE.txt']);
  });

  it('keeps what it worked out for a page whose files changed only in modification time, and streams them with the new times', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => row(`f${String(i).padStart(2, '0')}`, `content ${i}`));
    let lineCalls = 0;
    const counted: Trailer = { ...manifest, lines: (p) => { lineCalls++; return 'lines' in manifest ? manifest.lines(p) : new Uint8Array(0); } };
    const g = group('ds/', rows, [counted]);
    const first = await planOf([g], 4);
    const bytes = await render(first, 0, first.total, 1000);
    // Touched in every page (one to a time with more digits), nothing else changed.
    g.rows = rows.map((r, i) => (i % 4 === 1 ? { ...r, mtime: 1_700_000_000_000 + i } : r));
    lineCalls = 0;
    const touched = await planOf([g], 4, first);
    expect(lineCalls).toBe(0);
    expect(touched.fingerprint).toBe(first.fingerprint);
    expect((await render(touched, 0, touched.total, 1000)).equals(bytes)).toBe(true);
    const times: number[] = [];
    for await (const batch of touched.pieces(0, touched.total, 1000)) {
      for (const p of batch) if (p.kind === 'run') for (let k = p.from; k < p.to; k++) times.push(p.files.mtimes[k]!);
    }
    expect(times).toEqual(g.rows.map((r) => r.mtime ?? 0));
    // A content change in the same page still works its page out again.
    g.rows = g.rows.map((r, i) => (i === 5 ? row(r.path, 'CHANGED!') : r));
    const changed = await planOf([g], 4, touched);
    expect(lineCalls).toBe(1);
    expect(changed.fingerprint).not.toBe(first.fingerprint);
    expect((await render(changed)).equals(await render(await planOf([group('ds/', g.rows, [manifest])], 4)))).toBe(true);
  });

  it('hands out the manifest lines and the central directory a page at a time, whatever the number of pages', async () => {
    const rows = Array.from({ length: 48 }, (_, i) => row(`folder/file-${String(i).padStart(4, '0')}.txt`, `c${i}`));
    const plan = await planOf([group('ds/', rows, [manifest])], 4); // 12 pages of 4 files
    const whole = await render(plan);
    const sizes: number[] = [];
    for await (const batch of plan.pieces(0, plan.total)) {
      let bytes = 0;
      for (const p of batch) {
        if (p.kind !== 'bytes') continue;
        bytes += p.bytes.length;
      }
      sizes.push(bytes);
    }
    // A page's lines are 4 x ~30 bytes, its central headers 4 x ~75: all 12 pages in one batch
    // (~1.4 KB of lines, ~3.6 KB of central directory) held the whole of each in memory.
    expect(Math.max(...sizes)).toBeLessThan(600);
    expect(whole.length).toBe(plan.total);
  });

  it('keeps a record per page, not the pages: its memory after planning does not grow with the number of files', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // 150 pages of 1,024 files with long paths: ~60 MB of page text if a plan kept each page's
    // text (a path cut from it and kept, as the next page's key, kept all of it).
    const pages = 150;
    const pathOf = (i: number) => `${'deep-folder/'.repeat(25)}file-${String(i).padStart(9, '0')}.dat`;
    const big: ArchiveGroup = {
      prefix: 'ds/',
      trailers: [],
      page: async (after, limit) => {
        const from = after === null ? 0 : Number(after.slice(-13, -4)) + 1;
        const n = Math.max(0, Math.min(limit, pages * 1024 - from));
        return filePageOf(Array.from({ length: n }, (_, k) => ({ id: from + k, path: pathOf(from + k), size: 10, mtime_ms: 0, sha256: 'e'.repeat(64), crc32: '00000000' })));
      },
    };
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    const plan = await planZip([big], 1024);
    const held = heap() - before;
    expect(plan.entries).toBe(pages * 1024);
    // The 16 pages kept for streaming (~7 MB) and a record per page; 62 MB before.
    expect(held).toBeLessThan(20e6);
  });
});

