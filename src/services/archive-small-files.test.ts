import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.js';
import type { PlanPiece } from '../domain/zip-plan.js';
import type { DownloadRow } from '../repos/downloads.repo.js';
import type { SmallFile, SmallFilesBatch, SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { archiveSmallFiles } from './archive-small-files.js';

/** A reader that answers from memory and records what is asked, outstanding and given back. */
function fakeReader(fail?: string) {
  const asked: string[][] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const recycled: number[] = [];
  const repo: SmallFilesRepo = {
    read: async (files: SmallFile[]): Promise<SmallFilesBatch> => {
      asked.push(files.map((f) => f.absPath));
      maxOutstanding = Math.max(maxOutstanding, ++outstanding);
      const data = Buffer.concat(files.map((f) => Buffer.alloc(f.size, f.absPath)));
      const failed = files.findIndex((f) => f.absPath === fail);
      return { data, failed, message: failed >= 0 ? 'gone (ENOENT)' : '' };
    },
    recycle: (data: Buffer) => { outstanding--; recycled.push(data.length); },
    close: async () => {},
  };
  return { repo, asked, recycled, max: () => maxOutstanding };
}

const row = (path: string, size: number): PlanPiece<DownloadRow> => ({
  kind: 'row', row: { id: 1, slug: 'ds', path, size, sha256: '', crc32: '0' }, entry: { name: `ds/${path}`, size, crc32: 0 }, offset: 0, length: size,
});
const header: PlanPiece<DownloadRow> = { kind: 'bytes', bytes: new Uint8Array(30) };
const limits = { maxFile: 100, batchFiles: 3, batchBytes: 250, ahead: 1 };
const stale = (m: string) => new AppError('conflict', 'stale_index', m);

describe('small files of an archive stream', () => {
  it('batches by count and bytes, leaves out large and partial files, and asks for the next page before the current one ends', async () => {
    const r = fakeReader();
    const s = archiveSmallFiles(r.repo, limits, (row) => row.path, stale);
    const page1 = [header, row('a', 10), header, row('b', 100), row('big', 101), row('c', 100), row('d', 60), { ...row('part', 50), length: 20 } as PlanPiece<DownloadRow>];
    const p1 = s.add(page1);
    expect(page1.map((_, i) => p1.at[i]?.batch ?? '-')).toEqual(['-', 0, '-', 0, '-', 0, 1, '-']);
    expect(r.asked).toEqual([['a', 'b', 'c'], ['d']]); // batch 0 and one ahead
    const p2 = s.add([row('e', 5), row('f', 5)]);
    expect(r.asked.length).toBe(2); // nothing beyond `ahead` yet
    expect(Buffer.from(await p1.contents(3)).toString()).toBe('b'.repeat(100));
    expect(Buffer.from(await p1.contents(6)).toString()).toBe('d'.repeat(60)); // uses batch 1: batch 0 goes back, page 2's is asked for
    expect(r.asked[2]).toEqual(['e', 'f']);
    expect(r.recycled).toEqual([210]);
    expect(Buffer.from(await p2.contents(1)).toString()).toBe('fffff');
    s.done();
    await new Promise((ok) => setImmediate(ok));
    expect(r.recycled).toEqual([210, 60, 10]);
    expect(r.max()).toBeLessThanOrEqual(limits.ahead + 1);
  });

  it('names the file the reader could not read, as a stale index', async () => {
    const r = fakeReader('b');
    const s = archiveSmallFiles(r.repo, limits, (row) => row.path, stale);
    const p = s.add([row('a', 1), row('b', 1)]);
    expect(Buffer.from(await p.contents(0)).toString()).toBe('a');
    await expect(p.contents(1)).rejects.toMatchObject({ code: 'stale_index', message: 'ds/b: gone (ENOENT)' });
  });
});
