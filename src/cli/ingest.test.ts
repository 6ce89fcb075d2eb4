import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { parseIngestArgs } from './ingest.js';
import { progressLine } from './progress.js';

const BIN = resolve(import.meta.dirname, '../../bin/medimg.js');
const PNG_DIR = resolve(import.meta.dirname, '../../test/fixtures/png');
let tmp: ReturnType<typeof tempDir>;
let root: string;

function cli(dataDir: string, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, MEDIMG_DATA_DIR: dataDir, MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  return { child, done: new Promise((r) => child.on('close', (code) => r({ code, out, err }))) };
}

function indexOf(dataDir: string): string[] {
  const db = new SQLite(join(dataDir, 'medimg.db'), { readonly: true });
  try {
    return db.prepare(`SELECT path, size, sha256, kind, format, meta, error, label, split, role, pair_path FROM files ORDER BY path`).all().map((r) => JSON.stringify(r));
  } finally {
    db.close();
  }
}

/** The recorded versions (without their dates) and their manifests' rows. */
function versionsOf(dataDir: string): { versions: unknown[]; intervals: unknown[] } {
  const db = new SQLite(join(dataDir, 'medimg.db'), { readonly: true });
  try {
    return {
      versions: db.prepare(`SELECT slug, version, files, bytes, added, removed, modified, added_bytes FROM mirror_versions ORDER BY slug, version`).all(),
      intervals: db.prepare(`SELECT slug, path, size, sha256, from_version, to_version FROM mirror_version_files ORDER BY slug, path, from_version`).all(),
    };
  } finally {
    db.close();
  }
}

beforeAll(() => {
  tmp = tempDir();
  root = join(tmp.dir, 'dataset');
  const pngs = readdirSync(PNG_DIR);
  for (let i = 0; i < 2400; i++) {
    const dir = join(root, i % 2 ? 'train' : 'test', `class${i % 3}`);
    mkdirSync(dir, { recursive: true });
    if (i % 4 === 0) writeFileSync(join(dir, `note${i}.txt`), `file ${i}\n`.repeat(i % 50 + 1));
    else copyFileSync(join(PNG_DIR, pngs[i % pngs.length]!), join(dir, `img${i}.png`));
  }
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  copyFileSync(join(PNG_DIR, pngs[0]!), join(root, 'images', 'a.png'));
  copyFileSync(join(PNG_DIR, pngs[1]!), join(root, 'masks', 'a.png'));
});
afterAll(() => tmp.cleanup());

describe('medimg ingest', () => {
  it('after kill -9 mid-run, a re-run completes to exactly the index of an uninterrupted run', async () => {
    const clean = join(tmp.dir, 'clean');
    const full = await cli(clean, ['ingest', 'alpha-lung-ct', root, '--labels', 'folders']).done;
    expect(full.code, full.err).toBe(0);
    expect(full.out).toContain('2402 files: 2402 indexed, 0 removed, 0 failed');
    // Then the archive's small files are packed for its first download.
    expect(full.out).toMatch(/archive pack of 2402 small files stored \(\d+\.\d MB\)/);
    expect(readdirSync(join(clean, 'packs')).filter((n) => n.endsWith('.pack')).length).toBe(1);
    expect(full.err).toMatch(/\[#+\] 2402\/2402 files/);

    const crashed = join(tmp.dir, 'crashed');
    const run = cli(crashed, ['ingest', 'alpha-lung-ct', root, '--labels', 'folders']);
    // Kill once at least one batch is committed and the job is still running.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      let done = 0;
      try {
        const db = new SQLite(join(crashed, 'medimg.db'), { readonly: true, timeout: 1000 });
        done = (db.prepare(`SELECT progress_done AS d FROM jobs WHERE status = 'running'`).get() as { d: number } | undefined)?.d ?? 0;
        db.close();
      } catch { /* not created yet */ }
      if (done > 0) break;
      if (Date.now() > deadline) throw new Error('ingestion never made progress');
    }
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.code).toBeNull();
    const partial = indexOf(crashed);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(2402);
    // No half version: the killed run recorded nothing of one.
    expect(versionsOf(crashed)).toEqual({ versions: [], intervals: [] });

    const rerun = await cli(crashed, ['ingest', 'alpha-lung-ct', root, '--labels', 'folders']).done;
    expect(rerun.code, rerun.err).toBe(0);
    expect(rerun.out).toContain(`${2402 - partial.length} indexed`);
    expect(indexOf(crashed)).toEqual(indexOf(clean));
    // ... and the re-run recorded the version that the uninterrupted run did.
    const recorded = versionsOf(crashed);
    expect(recorded.versions).toMatchObject([{ version: 1, files: 2402, added: 2402, removed: 0, modified: 0 }]);
    expect(recorded).toEqual(versionsOf(clean));
  }, 180_000); // three CLI processes over 2,402 files: slow when the CPUs are shared

  it('exits non-zero with a clear message for bad arguments', async () => {
    const dataDir = join(tmp.dir, 'bad');
    const cases: [string[], RegExp][] = [
      [['ingest'], /expected a dataset slug and a folder/],
      [['ingest', 'alpha-lung-ct', join(tmp.dir, 'nope')], /is not a folder that can be read/],
      [['ingest', 'no-such-card', root], /No catalog card "no-such-card"/],
      [['ingest', 'alpha-lung-ct', root, '--labels', 'maybe'], /--labels must be "folders" or "csv:/],
      [['ingest', 'alpha-lung-ct', root, '--frobnicate'], /unknown option --frobnicate/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(dataDir, args).done;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  }, 120_000); // five CLI processes, each starting tsx

  it('parses its arguments and draws a progress line', () => {
    expect(parseIngestArgs(['x', '/d', '--labels=folders'])).toEqual({ slug: 'x', folder: '/d', labels: 'folders' });
    expect(progressLine({ progress: { done: 50, total: 200, files_per_second: 25, eta_seconds: 6 }, status: 'running' } as never, 8))
      .toBe('[##------] 50/200 files  25.0 files/s  ETA 6s');
  });
});
