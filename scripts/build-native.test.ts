import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
mkdirSync(join(root, 'native'));
cpSync(resolve(import.meta.dirname, '../native/small-files.c'), join(root, 'native/small-files.c'));
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
    expect(typeof (createRequire(import.meta.url)(first.path) as { readFile: unknown }).readFile).toBe('function');
  });

  it('never writes outside the buffer it is given, and refuses arguments of the wrong kind', () => {
    const { path } = ensureNativeBuild();
    if (!path) throw new Error('no C compiler or Node headers here');
    const { readFile } = createRequire(import.meta.url)(path) as { readFile: (...a: unknown[]) => number };
    const f = join(root, 'ten.txt');
    writeFileSync(f, '0123456789');
    const mtime = Math.trunc(statSync(f).mtimeMs);
    const buf = Buffer.alloc(16, 0x2e);
    expect(readFile(f, buf, 5, 10, mtime)).toBe(0); // 10 bytes and the spare byte: 5 + 11 = 16
    expect(buf.subarray(0, 15).toString()).toBe('.....0123456789');
    expect(() => readFile(f, buf, 6, 10, mtime)).toThrow(RangeError); // would need 17 bytes
    expect(() => readFile(f, buf.subarray(0, 10), 0, 10, mtime)).toThrow(RangeError);
    for (const bad of [[1, buf, 0, 10, mtime], [f, [], 0, 10, mtime], [f, buf, 0.5, 10, mtime], [f, buf, 0, '10', mtime], [f, buf, -1, 10, mtime]]) {
      expect(() => readFile(...bad)).toThrow();
    }
  });

  it('says why when it cannot compile, and leaves the last good build in place', () => {
    process.env.CC = join(root, 'no-such-compiler');
    const r = ensureNativeBuild({ root, force: true });
    expect(r.path).toBeNull();
    expect(r.reason).toMatch(/no-such-compiler could not compile native\/small-files\.c/);
    expect(statSync(join(root, 'build/small-files.node')).size).toBeGreaterThan(0);
    process.env.CC = env.CC;
    if (env.CC === undefined) delete process.env.CC;
  });
});
