import SQLite from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { preparedOnce } from './database.js';

let sqlite: SQLite.Database;
let db: Kysely<Record<string, never>>;
const open = () => {
  sqlite = new SQLite(':memory:');
  const prepare = vi.spyOn(sqlite, 'prepare');
  db = new Kysely({ dialect: new SqliteDialect({ database: preparedOnce(sqlite) }) });
  return prepare;
};
afterEach(async () => { await db.destroy(); });

describe('the SQLite connection under Kysely', () => {
  it('prepares each SQL text once, and gives each run its own parameters and rows', async () => {
    const prepare = open();
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`.execute(db);
    for (const name of ['a', 'b', 'c']) await sql`INSERT INTO t (name) VALUES (${name})`.execute(db);
    const names = [];
    for (const id of [3, 1, 2, 9]) names.push((await sql<{ name: string }>`SELECT name FROM t WHERE id = ${id}`.execute(db)).rows[0]?.name);
    expect(names).toEqual(['c', 'a', 'b', undefined]);
    expect(prepare).toHaveBeenCalledTimes(3); // CREATE, INSERT, SELECT
  });

  it('keeps at most 256 statements, the most recently used', async () => {
    const prepare = open();
    const q = (i: number) => sql.raw(`SELECT ${i} AS n`).execute(db);
    await q(0);
    for (let i = 1; i <= 256; i++) await q(i);
    expect(prepare).toHaveBeenCalledTimes(257);
    await q(256); // still kept
    expect(prepare).toHaveBeenCalledTimes(257);
    await q(0); // the least recently used went
    expect(prepare).toHaveBeenCalledTimes(258);
    expect((await q(0)).rows).toEqual([{ n: 0 }]);
  });

  it('follows schema changes and transactions with kept statements', async () => {
    open();
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO t (id) VALUES (1)`.execute(db);
    const all = () => sql`SELECT * FROM t`.execute(db).then((r) => r.rows);
    expect(await all()).toEqual([{ id: 1 }]);
    await sql`ALTER TABLE t ADD COLUMN label TEXT DEFAULT 'x'`.execute(db);
    expect(await all()).toEqual([{ id: 1, label: 'x' }]);
    await db.transaction().execute(async (trx) => { await sql`INSERT INTO t (id) VALUES (2)`.execute(trx); }).catch(() => {});
    await db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t (id) VALUES (3)`.execute(trx);
      throw new Error('rolled back');
    }).catch(() => {});
    expect(await all()).toEqual([{ id: 1, label: 'x' }, { id: 2, label: 'x' }]);
  });
});
