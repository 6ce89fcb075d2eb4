import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import * as m0001 from './migrations/0001-catalog.js';
import * as m0002 from './migrations/0002-upstream-updated.js';
import * as m0003 from './migrations/0003-mirror.js';
import * as m0004 from './migrations/0004-thumbnails.js';
import * as m0005 from './migrations/0005-file-crc32.js';
import * as m0006 from './migrations/0006-selections.js';
import * as m0007 from './migrations/0007-updates.js';
import * as m0008 from './migrations/0008-mirror-versions.js';
import * as m0009 from './migrations/0009-file-revisions.js';
import * as m0010 from './migrations/0010-file-revisions-mtime.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// Listed here rather than read from the folder, so that migrations are part of
// the module graph (type-checked, bundled) and nothing is imported by path at run time.
const MIGRATIONS: Record<string, Migration> = {
  '0001-catalog': m0001,
  '0002-upstream-updated': m0002,
  '0003-mirror': m0003,
  '0004-thumbnails': m0004,
  '0005-file-crc32': m0005,
  '0006-selections': m0006,
  '0007-updates': m0007,
  '0008-mirror-versions': m0008,
  '0009-file-revisions': m0009,
  '0010-file-revisions-mtime': m0010,
};

const sqliteHandles = new WeakMap<Db, SQLite.Database>();

/** Statements kept per SQL text, the most recently used last. */
const STATEMENTS_KEPT = 256;

/**
 * The connection as Kysely's driver sees it, with each SQL text prepared once: the driver prepares
 * a statement for every query (~90 µs, most of a small query's time on a 2-core machine). Kysely
 * runs one query at a time on the connection and this project never streams rows through it, so a
 * statement is never in use twice at once.
 */
export function preparedOnce(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let st = statements.get(text);
      if (st) statements.delete(text);
      else {
        st = sqlite.prepare(text);
        if (statements.size >= STATEMENTS_KEPT) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, st);
      return st;
    },
  };
}

export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // A page cache of 4 MB instead of better-sqlite3's 16 MB: reading the index of a dataset of
  // 200,000 files filled all 16 MB of it for good (server RSS +16 MB); the operating system caches
  // the file anyway.
  sqlite.pragma('cache_size = -4000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: preparedOnce(sqlite) }) });
  sqliteHandles.set(db, sqlite);
  return db;
}

/**
 * Runs `read` on the SQLite connection under `db`, for reads of many rows as arrays (better-sqlite3
 * makes an object per row through Kysely, ~2x the time of the rows as arrays). It holds the
 * connection the way Kysely does for its own queries, so it waits for an open transaction to end
 * and never sees its uncommitted rows. Undefined when `db` is not such a database.
 */
export async function withSqlite<T>(db: Db, read: (sqlite: SQLite.Database) => T): Promise<T | undefined> {
  const sqlite = sqliteHandles.get(db);
  if (!sqlite) return undefined;
  return db.connection().execute(async () => read(sqlite));
}

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
