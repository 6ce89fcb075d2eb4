import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Plain JavaScript without type declarations: typed here.
interface BuildServer {
  ensureServerBuild(opts?: { root?: string; force?: boolean }): Promise<URL>;
  fingerprint(root?: string): string;
  isBuilt(root?: string, hash?: string): boolean;
}
const { ensureServerBuild, fingerprint, isBuilt } = (await import('./build-server.mjs' as string)) as BuildServer;

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'bin/medimg.js');
const FALLBACK = 'running the TypeScript sources through tsx';

type Run = { code: number | null; out: string; err: string };
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, args, { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((r) => child.on('close', (code) => r({ code, out, err })));
}
const header = (file: string) => readFileSync(file, 'utf8').split('\n', 1)[0];
const future = (file: string, s: number) => { const t = Date.now() / 1000 + s; utimesSync(file, t, t); };

describe('the ahead-of-time server build (a copy of the package in a temp folder)', () => {
  let root: string;
  let dist: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'medimg-build-'));
    for (const p of ['src', 'contract', 'bin', 'native', 'package.json', 'tsconfig.json', 'scripts/build-server.mjs', 'scripts/build-native.mjs']) cpSync(join(REPO, p), join(root, p), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
    dist = join(root, 'dist');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds on demand, then counts as built until a source file is touched, added or removed', async () => {
    expect(isBuilt(root)).toBe(false);
    await ensureServerBuild({ root });
    expect(isBuilt(root)).toBe(true);
    const outs = ['cli.mjs', 'probe-worker-entry.mjs', 'render-worker-entry.mjs'].map((n) => join(dist, n));
    for (const f of outs) expect(header(f)).toBe(`// medimg-build ${fingerprint(root)}`);
    expect(readdirSync(dist).filter((n) => n.endsWith('.tmp') || n === '.build.lock')).toEqual([]);

    // A touched source (mtime only) makes it stale; ensureServerBuild compiles again.
    const before = statSync(join(dist, 'cli.mjs')).mtimeMs;
    future(join(root, 'src/config.ts'), 5);
    expect(isBuilt(root)).toBe(false);
    await ensureServerBuild({ root });
    expect(isBuilt(root)).toBe(true);
    expect(statSync(join(dist, 'cli.mjs')).mtimeMs).toBeGreaterThan(before);

    // So do a new source file, a removed one and a touched contract/ file or package.json; a new test does not.
    writeFileSync(join(root, 'src/domain/extra.ts'), 'export const extra = 1;\n');
    expect(isBuilt(root)).toBe(false);
    rmSync(join(root, 'src/domain/extra.ts'));
    expect(isBuilt(root)).toBe(true);
    const contractFile = readdirSync(join(root, 'contract')).find((n) => n.endsWith('.ts'))!;
    future(join(root, 'contract', contractFile), 10);
    expect(isBuilt(root)).toBe(false);
    await ensureServerBuild({ root });
    future(join(root, 'package.json'), 10);
    expect(isBuilt(root)).toBe(false);
    await ensureServerBuild({ root });
    writeFileSync(join(root, 'src/domain/extra.test.ts'), '');
    expect(isBuilt(root)).toBe(true);

    // A mix of two builds (a worker file from another build) is not a build.
    const worker = join(dist, 'probe-worker-entry.mjs');
    const text = readFileSync(worker, 'utf8');
    writeFileSync(worker, text.replace(/^\/\/ medimg-build [0-9a-f]+/, `// medimg-build ${'0'.repeat(40)}`));
    expect(isBuilt(root)).toBe(false);
    await ensureServerBuild({ root });
    expect(isBuilt(root)).toBe(true);
  });

  it('concurrent starts after an edit all run the new code and leave one whole build', async () => {
    const index = join(root, 'src/cli/index.ts');
    writeFileSync(index, readFileSync(index, 'utf8').replace('Usage: medimg <command>', 'Usage: medimg <command> (edited)'));
    // A lock left by a process that is gone does not hold anyone up.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dist, '.build.lock'), `${dead} x`);
    const runs = await Promise.all([1, 2, 3].map(() => run([join(root, 'bin/medimg.js'), '--help'])));
    for (const r of runs) {
      expect(r.err).not.toContain(FALLBACK);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Usage: medimg <command> (edited)');
    }
    expect(isBuilt(root)).toBe(true);
    expect(readFileSync(join(dist, 'cli.mjs'), 'utf8')).toContain('(edited)');
    expect(readdirSync(dist).filter((n) => n.endsWith('.tmp') || n === '.build.lock')).toEqual([]);
  });

  it('falls back to the sources through tsx when it cannot build', async () => {
    rmSync(dist, { recursive: true, force: true });
    writeFileSync(dist, 'not a folder');
    const r = await run([join(root, 'bin/medimg.js'), '--help']);
    expect(r.err).toContain(FALLBACK);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: medimg <command> (edited)');
  });
});

describe('bin/medimg.js', () => {
  it('runs a command and serves /healthz from the compiled build', async () => {
    const help = await run([BIN, '--help']);
    expect(help.err).not.toContain(FALLBACK);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: medimg <command>');
    expect(existsSync(join(REPO, 'dist/cli.mjs'))).toBe(true);

    const data = mkdtempSync(join(tmpdir(), 'medimg-build-serve-'));
    mkdirSync(data, { recursive: true });
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MEDIMG_DATA_DIR: data, MEDIMG_CATALOG_DIR: join(REPO, 'test/fixtures/catalog'), MEDIMG_DEMO: '0', MEDIMG_UPDATE_INTERVAL: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      const url = await new Promise<string>((res, rej) => {
        child.stdout.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) res(m[1]!); });
        child.on('exit', (code) => rej(new Error(`serve exited with ${code}: ${err}`)));
      });
      expect(err).not.toContain(FALLBACK);
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(null)));
      rmSync(data, { recursive: true, force: true });
    }
  });
});
