import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmallFilesRepo, SmallBatch } from './small-files.repo.js';

const dir = mkdtempSync(join(tmpdir(), 'medimg-small-'));
interface SmallFile { absPath: string; size: number; mtimeMs: number; head?: Uint8Array }
const batchOf = (files: SmallFile[]) => {
  const b = new SmallBatch();
  for (const f of files) b.push(f.absPath, f.size, f.mtimeMs, f.head);
  return b;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string | Buffer) => {
  const data = Buffer.from(content);
  const absPath = join(dir, name);
  writeFileSync(absPath, data);
  return { absPath, size: data.length, mtimeMs: Math.trunc(statSync(absPath).mtimeMs), data };
};

// The compiled reader is built here where a C compiler is (CI has one); the JavaScript reader is
// what runs without it. Both must give the same answers.
// (Plain JavaScript without type declarations: typed here.)
const { ensureNativeBuild } = (await import('../../../scripts/build-native.mjs' as string)) as { ensureNativeBuild: () => { path: string | null; reason?: string } };
const native = ensureNativeBuild();
// The compiled reader reads through io_uring where the kernel allows it, else one system call at a time.
const readers = [['JavaScript', null, false], ['compiled', native.path, true], ['compiled, without io_uring', native.path, false]] as const;

describe.each(readers)('small-file reader thread (%s)', (name, addon, ring) => {
  if (name !== 'JavaScript' && !addon) {
    it.skip(`compiled reader not built here: ${native.reason}`, () => {});
    return;
  }
  const small = createSmallFilesRepo({ addon, ring });
  const repo = { read: (files: SmallFile[]) => small.read(batchOf(files)), recycle: small.recycle, close: small.close };
  afterAll(() => repo.close());

  it('is the reader asked for', () => {
    if (!addon) expect(small.reader).toBe('JavaScript (MEDIMG_NATIVE_READER=0)');
    else if (!ring) expect(small.reader).toBe('native (one system call at a time: MEDIMG_IO_URING=0)');
    // io_uring may be refused (a seccomp filter, an old kernel): then the reader says why.
    else expect(small.reader).toMatch(/^native \((io_uring|one system call at a time: .+)\)$/);
  });

  it('reads batches in order, concurrently asked, each file where the sizes say', async () => {
    mkdirSync(join(dir, name, 'a'), { recursive: true });
    const files = Array.from({ length: 300 }, (_, i) => file(`${name}/a/f${i}`, Buffer.alloc((i * 37) % 900, i)));
    const batches = [files.slice(0, 100), files.slice(100, 101), [], files.slice(101)];
    const got = await Promise.all(batches.map((b) => repo.read(b)));
    got.forEach((g, k) => {
      expect(g.failed).toBe(-1);
      expect(g.data.equals(Buffer.concat(batches[k]!.map((f) => f.data)))).toBe(true);
    });
  });

  it('puts each file\'s head (its zip local header) right before its contents', async () => {
    mkdirSync(join(dir, name, 'h'), { recursive: true });
    const files = Array.from({ length: 40 }, (_, i) => ({ ...file(`${name}/h/f${i}`, Buffer.alloc(i * 13, 65 + (i % 26))), head: i % 3 === 0 ? undefined : Buffer.alloc(30 + i, i) }));
    const got = await repo.read(files);
    expect(got.failed).toBe(-1);
    expect(got.data.equals(Buffer.concat(files.flatMap((f) => (f.head ? [f.head, f.data] : [f.data]))))).toBe(true);
    // A failure keeps every head and file before the failed one where it belongs.
    const bad = await repo.read([files[1]!, { ...files[2]!, size: 1 }, files[4]!]);
    expect(bad.failed).toBe(1);
    expect(bad.data.subarray(0, files[1]!.head!.length + files[1]!.size).equals(Buffer.concat([files[1]!.head!, files[1]!.data]))).toBe(true);
  });

  it('names the first file that is missing, a symlink, grown, shrunk or changed in place, and keeps the ones before it', async () => {
    const ok = file(`${name}-ok`, 'fine');
    const target = file(`${name}-target`, 'elsewhere');
    symlinkSync(target.absPath, join(dir, `${name}-link`));
    const cases = [
      [{ absPath: join(dir, 'missing'), size: 1, mtimeMs: 0 }, /^cannot be read \(ENOENT\)/],
      // A NUL would end the path early in C: the file before it (`${name}-ok`) must not be read instead.
      [{ ...ok, absPath: `${ok.absPath}\0.txt` }, /cannot be read \((EINVAL|ERR_INVALID_ARG_VALUE)\)/],
      [{ absPath: join(dir, `${name}-ok`, 'below'), size: 1, mtimeMs: 0 }, /^cannot be read \(ENOTDIR\)/],
      [{ ...ok, absPath: dir }, /no longer a regular file/],
      [{ ...target, absPath: join(dir, `${name}-link`) }, /^cannot be read \(ELOOP\)/],
      [{ ...ok, size: 3 }, /size differs/],
      [{ ...ok, size: 5 }, /size differs/],
      [{ ...ok, mtimeMs: ok.mtimeMs - 1000 }, /changed since it was indexed \(modification time differs\)/],
    ] as const;
    for (const [bad, message] of cases) {
      const got = await repo.read([ok, bad, ok]);
      expect(got.failed).toBe(1);
      expect(got.message).toMatch(message);
      expect(got.message).not.toContain(dir); // the caller names the file; the server's folders stay its own
      expect(got.data.subarray(0, 4).toString()).toBe('fine');
      // Far into a batch (past the 256 files io_uring takes at a time): every file before it is in place.
      const long = await repo.read([...Array(280).fill(ok), bad, ok]);
      expect([long.failed, long.message]).toEqual([280, expect.stringMatching(message)]);
      expect(long.data.subarray(0, 280 * 4).toString()).toBe('fine'.repeat(280));
    }
  });

  it('refuses a FIFO where a file was, without waiting for a writer', async () => {
    const ok = file(`${name}-before-fifo`, 'fine');
    const fifo = join(dir, `${name}-fifo`);
    execFileSync('mkfifo', [fifo]);
    const got = await repo.read([ok, { absPath: fifo, size: 4, mtimeMs: Math.trunc(statSync(fifo).mtimeMs) }, ok]);
    expect([got.failed, got.message]).toEqual([1, expect.stringMatching(/no longer a regular file/)]);
  });

  it('writes batches into buffers it shares with the thread, and reuses the ones given back', async () => {
    const f = file(`${name}-reused`, 'x'.repeat(1000));
    const first = await repo.read([f]);
    expect(first.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    repo.recycle(first.data);
    repo.recycle(first.data); // given back twice: still one buffer
    const [second, third] = await Promise.all([repo.read([f, f]), repo.read([f])]);
    expect(second.data.buffer).toBe(first.data.buffer);
    expect(third.data.buffer).not.toBe(first.data.buffer);
    expect(second.data.toString()).toBe('x'.repeat(2000));
    expect(third.data.toString()).toBe('x'.repeat(1000));
    // A batch larger than the buffers kept gets a buffer of its own.
    repo.recycle(second.data);
    const big = file(`${name}-big`, 'y'.repeat(1_100_000));
    const got = await repo.read([big]);
    expect(got.data.buffer).not.toBe(first.data.buffer);
    expect(got.data.equals(big.data)).toBe(true);
    const out = Buffer.alloc(10, '.');
    small.copy(out, 3, got.data, 5, 4);
    expect(out.toString()).toBe('...yyyy...');
  });

  it('reads paths in any script, and batches whose paths outgrow the shared buffer they are described in', async () => {
    mkdirSync(join(dir, name, 'ü'), { recursive: true });
    const names = ['plain.txt', 'é中😀.txt', 'a b'];
    const files = names.map((n) => file(`${name}/ü/${n}`, `<${n}>`));
    const got = await repo.read(files);
    expect([got.failed, got.data.toString()]).toEqual([-1, names.map((n) => `<${n}>`).join('')]);
    repo.recycle(got.data);
    // 300 paths of ~250 bytes: more than the 64 KiB the description starts with, so it grows and is sent again.
    const deep = join(dir, name, 'd'.repeat(200));
    mkdirSync(deep, { recursive: true });
    const many = Array.from({ length: 300 }, (_, i) => ({ ...file(`${name}/${'d'.repeat(200)}/${String(i).padStart(40, '0')}`, `${i},`), head: Buffer.from(`[${i}]`) }));
    for (const batch of [many, many.slice(0, 2), many]) {
      const r = await repo.read(batch);
      expect(r.failed).toBe(-1);
      expect(r.data.toString()).toBe(batch.map((f, i) => `[${i}]${i},`).join(''));
      repo.recycle(r.data);
    }
  });

  it('takes a file as indexed when its modification time, in whole milliseconds, is the one Node reports', async () => {
    // Times with fractions of a millisecond that rounding in the sum could move across a whole one.
    const files = [0.9999999, 0.0000001, 0.4995, 0.9995, 0.123456789].map((frac, i) => {
      const f = file(`${name}-time${i}`, `t${i}`);
      utimesSync(f.absPath, 1_700_000_000 + i, 1_700_000_000 + i + frac);
      return { ...f, mtimeMs: Math.trunc(statSync(f.absPath).mtimeMs) };
    });
    const got = await repo.read(files);
    expect(got.failed).toBe(-1);
    expect(got.data.toString()).toBe('t0t1t2t3t4');
    const off = await repo.read([files[0]!, { ...files[3]!, mtimeMs: files[3]!.mtimeMs + 1 }]);
    expect([off.failed, off.message]).toEqual([1, expect.stringMatching(/modification time differs/)]);
  });

  it('starts a new thread after the last one stopped', async () => {
    const f = file(`${name}-again`, 'again');
    await repo.close();
    expect((await repo.read([f])).data.subarray(0, 5).toString()).toBe('again');
  });
});
