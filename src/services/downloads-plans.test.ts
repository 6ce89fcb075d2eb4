import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MirroredServer, startMirroredServer } from '../../test/download-fixture.js';
import type { Card } from '../../contract/index.js';
import { createDatasetsRepo } from '../repos/datasets.repo.js';
import { createDownloadsRepo } from '../repos/downloads.repo.js';
import { createMirrorsRepo } from '../repos/mirrors.repo.js';
import { createRawFilesRepo } from '../repos/raw-files.repo.js';
import { createSmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { createDownloadsService } from './downloads.service.js';

const SLUG = 'gamma-chest-xray';
let s: MirroredServer;
const reader = createSmallFilesRepo();
// The reader as main.ts gives it, counting batches read and given back.
let held = 0;
const small: typeof reader = { ...reader, read: (b) => { held++; return reader.read(b); }, recycle: (d) => { held--; reader.recycle(d); } };
let pagesRead = 0;
let service: ReturnType<typeof createDownloadsService>;

beforeAll(async () => {
  s = await startMirroredServer();
  // The service as main.ts wires it, over the real database, counting the index pages it reads.
  const downloads = createDownloadsRepo(s.db);
  const datasets = createDatasetsRepo(s.db);
  service = createDownloadsService({
    downloads: { ...downloads, filePage: (...a) => { pagesRead++; return downloads.filePage(...a); } },
    raw: createRawFilesRepo(), mirrors: createMirrorsRepo(s.db), small,
    card: async (slug) => JSON.parse((await datasets.getCardJson(slug))!) as Card,
  });
}, 60_000);
afterAll(async () => {
  await reader.close();
  await s?.close();
});

/** Pages read to answer for the whole dataset's archive now, and its ETag. */
async function plan(): Promise<{ pages: number; etag: string }> {
  const before = pagesRead;
  const d = await service.datasetArchive(SLUG, {});
  return { pages: pagesRead - before, etag: d.etag };
}

const rev = async () => (await sql<{ rev: number }>`SELECT rev FROM file_revisions WHERE slug = ${SLUG}`.execute(s.db)).rows[0]?.rev;

describe('archive plans', () => {
  it('are reused across writes that do not touch the dataset\'s files, and made again after any change to them', async () => {
    const first = await plan();
    expect(first.pages).toBeGreaterThan(0);
    // Writes elsewhere: a job, a saved selection, a thumbnail recorded for one of its files.
    await sql`INSERT INTO jobs (name, payload, status, created_at) VALUES ('noop', '{}', 'done', '2026-01-01')`.execute(s.db);
    await sql`INSERT INTO selections (id, request, created_at) VALUES ('plans-test', '{}', '2026-01-01')`.execute(s.db);
    await sql`UPDATE files SET thumb = 'x' WHERE slug = ${SLUG} AND path = 'empty.dat'`.execute(s.db);
    expect(await plan()).toEqual({ pages: 0, etag: first.etag });

    // Each change to what an archive is made of moves the revision and makes a new plan.
    const changes = [
      sql`UPDATE files SET label = 'relabelled' WHERE slug = ${SLUG} AND path = 'empty.dat'`,
      sql`UPDATE files SET sha256 = sha256 WHERE slug = ${SLUG} AND path = 'empty.dat'`,
      // A file re-indexed after a touch: only its mtime moves (plans hold rows with their mtime).
      sql`UPDATE files SET mtime_ms = mtime_ms + 1 WHERE slug = ${SLUG} AND path = 'empty.dat'`,
      sql`UPDATE files SET mtime_ms = mtime_ms - 1 WHERE slug = ${SLUG} AND path = 'empty.dat'`,
      sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, crc32, kind, format) VALUES (${SLUG}, 'zz.txt', 0, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '00000000', 'other', 'file')`,
      sql`DELETE FROM files WHERE slug = ${SLUG} AND path = 'zz.txt'`,
    ];
    for (const change of changes) {
      const r = await rev();
      await change.execute(s.db);
      expect(await rev()).toBe(r! + 1);
      expect((await plan()).pages).toBeGreaterThan(0);
      expect((await plan()).pages).toBe(0);
    }
    // The same files again give the same archive.
    expect((await plan()).etag).toBe(first.etag);
  });

  it('moves the revisions of both datasets when a file changes dataset', async () => {
    await sql`INSERT INTO files (slug, path, size, mtime_ms, sha256, crc32, kind, format) VALUES (${SLUG}, 'moving.txt', 0, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '00000000', 'other', 'file')`.execute(s.db);
    const before = await rev();
    await sql`UPDATE files SET slug = 'alpha-lung-ct' WHERE slug = ${SLUG} AND path = 'moving.txt'`.execute(s.db);
    const other = (await sql<{ rev: number }>`SELECT rev FROM file_revisions WHERE slug = 'alpha-lung-ct'`.execute(s.db)).rows[0]?.rev;
    expect(await rev()).toBe(before! + 1);
    expect(other).toBeGreaterThanOrEqual(1);
    await sql`DELETE FROM files WHERE path = 'moving.txt'`.execute(s.db);
  });

  it('give the small-file reader its memory back when the stream ends and when it is abandoned', async () => {
    const d = await service.datasetArchive(SLUG, {});
    const whole = d.open(0, d.size);
    for await (const _ of whole) { /* read to the end */ }
    await new Promise((ok) => setImmediate(ok));
    expect(held).toBe(0);
    // A client that goes away after the first block: the generator is closed where it stands.
    const cut = d.open(0, d.size);
    expect((await cut.next()).done).toBe(false);
    await cut.return(undefined);
    await new Promise((ok) => setTimeout(ok, 50));
    expect(held).toBe(0);
  });
});
