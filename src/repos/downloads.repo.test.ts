import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, migrateToLatest, openSqlite } from '../db/database.js';
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
});
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
        expect(a.every((r) => r.slug === 'ds' && r.sha256 === SHA && r.crc32 === '0000abcd' && r.mtime_ms === 1700000000123)).toBe(true);
      }
      expect((await fast.entriesPage('ds', {}, null, 100)).map((r) => r.path)).toEqual([...Array.from({ length: 30 }, (_, i) => `f/${String(i).padStart(2, '0')}_%.txt`), 'g/x.txt']);
      expect(await fast.entriesPage('ds', { prefix: '%' }, null, 10)).toEqual([]); // LIKE wildcards in a prefix are literal
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
    await new Promise((ok) => setTimeout(ok, 30));
    release();
    expect(await tx).toBe('rolled back');
    expect((await page).map((r) => r.path)).not.toContain('f/uncommitted.txt');
  });
});
