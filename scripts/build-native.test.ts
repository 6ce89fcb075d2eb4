import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Plain JavaScript without type declarations: typed here.
interface BuildNative {
  ensureNativeBuild(opts?: { root?: string; force?: boolean }): { path: string | null; built: boolean; reason?: string };
}
const { ensureNativeBuild } = (await import('./build-native.mjs' as string)) as BuildNative;

const root = mkdtempSync(join(tmpdir(), 'medimg-native-'));
cpSync(resolve(import.meta.dirname, '../native'), join(root, 'native'), { recursive: true });
const env = { ...process.env };
afterAll(() => {
  process.env = env;
  rmSync(root, { recursive: true, force: true });
});

describe('build-native', () => {
  it('compiles once, again only when the source changes, and the result loads', () => {
    const first = ensureNativeBuild({ root });
    if (!first.path) throw new Error(`no C compiler or Node headers here: ${first.reason}`);
    expect(first).toEqual({ path: join(root, 'build/small-files.node'), built: true });
    const mtime = statSync(first.path).mtimeMs;
    expect(ensureNativeBuild({ root })).toEqual({ path: first.path, built: false });
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    writeFileSync(join(root, 'native/small-files.c'), `${readFileSync(join(root, 'native/small-files.c'), 'utf8')}\n// changed\n`);
    expect(ensureNativeBuild({ root }).built).toBe(true);
    writeFileSync(join(root, 'native/batch.h'), `${readFileSync(join(root, 'native/batch.h'), 'utf8')}\n// changed\n`);
    expect(ensureNativeBuild({ root }).built).toBe(true);
    expect(ensureNativeBuild({ root }).built).toBe(false);
    const loaded = createRequire(import.meta.url)(first.path) as { readBatch: unknown; copy: unknown };
    expect([typeof loaded.readBatch, typeof loaded.copy]).toEqual(['function', 'function']);
  });

  // readBatch(paths, pathEnds, sizes, mtimes, heads, headLens, into, status) and copy(target, at, source, from, length).
  const compiled = () => {
    const { path } = ensureNativeBuild();
    if (!path) throw new Error('no C compiler or Node headers here');
    return createRequire(import.meta.url)(path) as { readBatch: (...a: unknown[]) => void; copy: (...a: unknown[]) => void; useRing: (...a: unknown[]) => string };
  };
  const ten = () => {
    const f = join(root, 'ten.txt');
    writeFileSync(f, '0123456789');
    return { path: Buffer.from(f), mtime: Math.trunc(statSync(f).mtimeMs) };
  };
  /** A batch of one file (ten.txt) with a 2-byte head, `over` replacing any argument. */
  const batch = (over: Record<string, unknown> = {}) => {
    const { path, mtime } = ten();
    const a: Record<string, unknown> = {
      paths: path, ends: Uint32Array.of(path.length), sizes: Float64Array.of(10), mtimes: Float64Array.of(mtime),
      heads: Buffer.from('<>'), headLens: Uint32Array.of(2), into: Buffer.alloc(16, 0x2e), status: new Int32Array(2), ...over,
    };
    compiled().readBatch(a.paths, a.ends, a.sizes, a.mtimes, a.heads, a.headLens, a.into, a.status);
    return a as { status: Int32Array; into: Buffer };
  };

  // Through io_uring where the kernel allows it (on by default), and one system call at a time.
  it.each([true, false])('never writes outside the buffer it is given, and refuses arguments that do not describe a batch before reading anything (io_uring wanted: %s)', (ring) => {
    const why = compiled().useRing(ring);
    if (!ring) expect(why).toBe('turned off');
    const ok = batch({ into: Buffer.alloc(14, 0x2e) }); // 2 + 10 bytes and the spare one: 13 of 14
    expect([...ok.status]).toEqual([-1, 0]);
    expect(ok.into.subarray(0, 12).toString()).toBe('<>0123456789');
    expect(ok.into[13]).toBe(0x2e);
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ into: Buffer.alloc(12) }, /do not fit/], // no room for the spare byte
      [{ headLens: Uint32Array.of(3) }, /do not fit/],
      [{ paths: 'a string' }, /readBatch\(paths: Uint8Array/],
      [{ sizes: [10] }, /readBatch\(paths: Uint8Array/],
      [{ into: new Uint16Array(20) }, /readBatch\(paths: Uint8Array/],
      [{ sizes: new Float64Array(0) }, /an entry per path/],
      [{ status: new Int32Array(1) }, /an entry per path/],
      [{ sizes: Float64Array.of(1.5) }, /not a whole number/],
      [{ sizes: Float64Array.of(-1) }, /not a whole number/],
      [{ ends: Uint32Array.of(10_000) }, /out of order/],
      [{ ends: Uint32Array.of(4, 2), sizes: Float64Array.of(1, 1), mtimes: Float64Array.of(0, 0), headLens: Uint32Array.of(0, 0) }, /out of order/],
    ];
    for (const [over, message] of refused) {
      const into = Buffer.alloc(16, 0x2e);
      expect(() => batch({ into, ...over }), message.source).toThrow(message);
      expect(into.equals(Buffer.alloc(16, 0x2e))).toBe(true);
    }
    // An empty path, or one with a NUL inside, names no file (EINVAL); the head before it is in place.
    const { path } = ten();
    for (const over of [{ ends: Uint32Array.of(0) }, { paths: Buffer.concat([path, Buffer.from('\0x')]), ends: Uint32Array.of(path.length + 2) }]) {
      const r = batch(over);
      expect([...r.status]).toEqual([0, -22]);
      expect(r.into.subarray(0, 3).toString()).toBe('<>.');
    }
    // A path longer than the system takes (ENAMETOOLONG).
    const long = Buffer.from(`/${'x'.repeat(5000)}`);
    expect([...batch({ paths: long, ends: Uint32Array.of(long.length) }).status]).toEqual([0, -36]);
    compiled().useRing(true);
  });

  it('says whether it reads through io_uring, and takes only a boolean for it', () => {
    const { useRing } = compiled();
    expect(useRing(false)).toBe('turned off');
    // '' where the kernel allows io_uring, else the reason (a seccomp filter, an old kernel).
    expect(typeof useRing(true)).toBe('string');
    for (const bad of [[], ['yes'], [1]]) expect(() => useRing(...bad)).toThrow(/useRing\(wanted: boolean\)/);
  });

  it('copies only inside both buffers', () => {
    const { copy } = compiled();
    const to = new Uint8Array(4);
    copy(to, 1, Uint8Array.of(1, 2, 3), 1, 2);
    expect([...to]).toEqual([0, 2, 3, 0]);
    for (const args of [[to, 3, new Uint8Array(3), 0, 2], [to, 0, new Uint8Array(3), 2, 2], [to, -1, to, 0, 1], [to, 0.5, to, 0, 1], [to, 0, to, 0, Number.NaN]]) {
      expect(() => copy(...args)).toThrow(/outside the source or the target/);
    }
    expect(() => copy([], 0, to, 0, 0)).toThrow(/copy\(target: Uint8Array/);
    expect([...to]).toEqual([0, 2, 3, 0]);
  });

  it('says why when it cannot compile, and leaves the last good build in place', () => {
    process.env.CC = join(root, 'no-such-compiler');
    const r = ensureNativeBuild({ root, force: true });
    expect(r.path).toBeNull();
    expect(r.reason).toMatch(/no-such-compiler could not compile native\/\*\.c/);
    expect(statSync(join(root, 'build/small-files.node')).size).toBeGreaterThan(0);
    process.env.CC = env.CC;
    if (env.CC === undefined) delete process.env.CC;
  });
});
