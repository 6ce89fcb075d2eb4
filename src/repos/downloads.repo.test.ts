import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, migrateToLatest, openSqlite } from '../db/database.js';
import { type FilePage, filePageOf, pathAt, sha256At } from '../domain/file-page.js';
import type { Database } from '../db/schema.js';
import { createDownloadsRepo } from './downloads.repo.js';

const dir = mkdtempSync(join(tmpdir(), 'medimg-downloads-repo-'));
const file = join(dir, 'medimg.db');
let db: Db;
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const insert = (d: Db, path: string, label: string | null = null) =>
  sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, crc32, kind, format, label) VALUES ('ds', ${path}, ${path.length}, 1700000000123, ${SHA}, '0000abcd', 'other', 'file', ${label})`.execute(d);

beforeAll(async () => {
  db = openSqlite(file);
  await migrateToLatest(db);
  for (let i = 0; i < 30; i++) await insert(db, `f/${String(i).padStart(2, '0')}_%.txt`, i % 3 === 0 ? 'a' : null);
  await sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, kind, format) VALUES ('ds', 'unhashed.txt', 1, 0, NULL, 'other', 'file')`.execute(db);
  await insert(db, 'g/x.txt');
  // Paths with the characters the page's records are made of, a CRC-32 not indexed yet and one that is not 8 hex digits.
  for (const path of ['h/a,b.txt', 'h/tab\there.txt', 'h/ünï cødé 😀.txt', 'h/comma,,0,1.txt']) await insert(db, path);
  await sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, crc32, kind, format) VALUES ('ds', 'i/no-crc.txt', 3, 5, ${SHA}, NULL, 'other', 'file')`.execute(db);
  await sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, crc32, kind, format) VALUES ('ds', 'i/bad-crc.txt', 3, 5, ${SHA}, 'xyz', 'other', 'file')`.execute(db);
  // A modification time that is not an integer (the page is then read as rows).
  await sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, crc32, kind, format) VALUES ('real', 'a.txt', 3, 1700000000123.5, ${SHA}, '0000abcd', 'other', 'file')`.execute(db);
});

/** What a page says of each file. */
const filesOf = (p: FilePage) => Array.from({ length: p.count }, (_, k) => ({
  id: p.ids[k], path: pathAt(p, k), size: p.sizes[k], mtime: p.mtimes[k], sha256: sha256At(p, k), crc: p.noCrc.includes(k) ? null : p.crcs[k],
}));
afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('index pages of a dataset (archives, manifests)', () => {
  it('are the same rows, in the same order, whether read as arrays from SQLite or through Kysely', async () => {
    const fast = createDownloadsRepo(db);
    // Another Kysely over the same file: not opened by openSqlite, so it reads through Kysely.
    const other = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(file, { readonly: true }) }) });
    const plain = createDownloadsRepo(other);
    try {
      for (const [f, after, limit] of [[{}, null, 7], [{}, 'f/10_%.txt', 100], [{ prefix: 'f/1' }, null, 4], [{ prefix: 'f/1', label: 'a' }, 'f/12_%.txt', 10], [{ prefix: '%' }, null, 10]] as const) {
        const a = await fast.entriesPage('ds', f, after, limit);
        expect(a).toEqual(await plain.entriesPage('ds', f, after, limit));
        expect(a.filter((r) => !r.path.startsWith('i/')).every((r) => r.slug === 'ds' && r.sha256 === SHA && r.crc32 === '0000abcd' && r.mtime_ms === 1700000000123)).toBe(true);
      }
      expect((await fast.entriesPage('ds', {}, null, 100)).map((r) => r.path).filter((p) => /^[fg]\//.test(p))).toEqual([...Array.from({ length: 30 }, (_, i) => `f/${String(i).padStart(2, '0')}_%.txt`), 'g/x.txt']);
      expect(await fast.entriesPage('ds', { prefix: '%' }, null, 10)).toEqual([]); // LIKE wildcards in a prefix are literal
    } finally {
      await other.destroy();
    }
  });

  it('are the same files as a page made by the database (SQLite) or from rows (any database), special characters and missing CRC-32s included', async () => {
    const fast = createDownloadsRepo(db);
    const other = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(file, { readonly: true }) }) });
    const plain = createDownloadsRepo(other);
    try {
      const cases = [['ds', {}, null, 7], ['ds', {}, 'f/10_%.txt', 100], ['ds', { prefix: 'f/1' }, null, 4], ['ds', { prefix: 'f/1', label: 'a' }, 'f/12_%.txt', 10], ['ds', { prefix: '%' }, null, 10], ['ds', { prefix: 'h/' }, null, 100], ['ds', { prefix: 'i/' }, null, 100], ['real', {}, null, 10]] as const;
      for (const [slug, f, after, limit] of cases) {
        const rows = await plain.entriesPage(slug, f, after, limit);
        const page = await fast.filePage(slug, f, after, limit);
        expect(filesOf(page)).toEqual(filesOf(filePageOf(rows)));
        expect(filesOf(await plain.filePage(slug, f, after, limit))).toEqual(filesOf(page));
        expect(filesOf(page).map((x) => x.path)).toEqual(rows.map((r) => r.path));
        // Made by SQLite (or, for a fractional modification time or a malformed CRC-32, from rows), the text is
        // the one made from the rows: plans compare it to tell unchanged pages.
        expect(page.text).toBe(filePageOf(rows).text);
      }
      const h = filesOf(await fast.filePage('ds', { prefix: 'h/' }, null, 100));
      expect(h.map((x) => x.path)).toEqual(['h/a,b.txt', 'h/comma,,0,1.txt', 'h/tab\there.txt', 'h/ünï cødé 😀.txt']);
      expect(h.every((x) => x.sha256 === SHA && x.crc === 0xabcd && x.mtime === 1700000000123)).toBe(true);
      expect(filesOf(await fast.filePage('ds', { prefix: 'i/' }, null, 100)).map((x) => x.crc)).toEqual([null, null]);
      expect(filesOf(await fast.filePage('real', {}, null, 10))[0]!.mtime).toBe(1700000000123.5);
      expect((await fast.filePage('ds', { prefix: 'nothing/' }, null, 10)).count).toBe(0);
    } finally {
      await other.destroy();
    }
  });

  it('are read only outside an open transaction: never its uncommitted rows', async () => {
    const repo = createDownloadsRepo(db);
    let release!: () => void;
    const held = new Promise<void>((ok) => { release = ok; });
    let entered!: () => void;
    const inside = new Promise<void>((ok) => { entered = ok; });
    const tx = db.transaction().execute(async (trx) => {
      await insert(trx, 'f/uncommitted.txt');
      entered();
      await held;
      throw new Error('rolled back');
    }).catch(() => 'rolled back');
    await inside;
    const page = repo.entriesPage('ds', {}, null, 100);
    const files = repo.filePage('ds', {}, null, 100);
    await new Promise((ok) => setTimeout(ok, 30));
    release();
    expect(await tx).toBe('rolled back');
    expect((await page).map((r) => r.path)).not.toContain('f/uncommitted.txt');
    expect(filesOf(await files).map((r) => r.path)).not.toContain('f/uncommitted.txt');
    expect((await files).count).toBe((await page).length);
  });
});
