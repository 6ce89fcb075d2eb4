import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.js';
import type { FilePiece, PlanPiece } from '../domain/zip-plan.js';
import type { SmallBatch, SmallFilesBatch, SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { archiveSmallFiles } from './archive-small-files.js';

/** A reader that answers from memory (each file's head, then its path's first letter size times) and records what is asked, outstanding and given back. */
function fakeReader(fail?: string) {
  const asked: string[][] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const recycled: number[] = [];
  const repo: SmallFilesRepo = {
    read: async (batch: SmallBatch): Promise<SmallFilesBatch> => {
      const files = batch.paths.map((absPath, i) => ({ absPath, size: batch.sizes[i]!, head: batch.heads[i] }));
      asked.push(files.map((f) => f.absPath));
      maxOutstanding = Math.max(maxOutstanding, ++outstanding);
      const data = Buffer.concat(files.flatMap((f) => [f.head ?? Buffer.alloc(0), Buffer.alloc(f.size, f.absPath)]));
      const failed = files.findIndex((f) => f.absPath === fail);
      return { data, failed, message: failed >= 0 ? 'gone (ENOENT)' : '' };
    },
    recycle: (data: Buffer) => { outstanding--; recycled.push(data.length); },
    reader: 'fake',
    close: async () => {},
  };
  return { repo, asked, recycled, max: () => maxOutstanding };
}

const row = (path: string, size: number, head?: string): FilePiece => ({
  kind: 'file', group: 0, name: `ds/${path}`, path, size, crc32: 0, mtimeMs: 0, offset: 0, length: size, head: head === undefined ? undefined : Buffer.from(head),
});
const header: PlanPiece = { kind: 'bytes', bytes: new Uint8Array(30) };
const limits = { maxFile: 100, batchFiles: 3, batchBytes: 250, ahead: 1 };
const stale = (m: string) => new AppError('conflict', 'stale_index', m);
const text = async (run: Promise<{ bytes: Uint8Array; next: number }>) => {
  const r = await run;
  return [Buffer.from(r.bytes).toString(), r.next] as const;
};
const H = (c: string) => `<${c.repeat(28)}>`; // a 30-byte head

describe('small files of an archive stream', () => {
  it('reads runs of small files with their heads, batched by count and bytes (heads included), and asks for the next page before the current one ends', async () => {
    const r = fakeReader();
    const s = archiveSmallFiles(r.repo, limits, (f) => f.path, stale);
    const page1 = [row('a', 10, H('A')), row('b', 100, H('B')), row('big', 101, H('G')), row('c', 100, H('C')), row('d', 60, H('D')), header, row('e', 5), { ...row('part', 50), length: 20 } as PlanPiece];
    const p1 = s.add(page1);
    // Runs: a+b (batch 0), c+d and e (batch 1: c's 130 bytes do not fit beside a's 40 and b's 130;
    // e is a run of its own, after the header of an empty file).
    expect(page1.map((_, i) => p1.at[i]?.batch ?? '-')).toEqual([0, '-', '-', 1, '-', '-', 1, '-']);
    expect(r.asked).toEqual([['a', 'b'], ['c', 'd', 'e']]); // batch 0 and one ahead
    const p2 = s.add([row('f', 5, H('F')), row('g', 5, H('G'))]);
    expect(r.asked.length).toBe(2); // nothing beyond `ahead` yet
    expect(await text(p1.contents(0))).toEqual([`${H('A')}${'a'.repeat(10)}${H('B')}${'b'.repeat(100)}`, 2]);
    expect(await text(p1.contents(3))).toEqual([`${H('C')}${'c'.repeat(100)}${H('D')}${'d'.repeat(60)}`, 5]); // uses batch 1: batch 0 goes back
    expect(r.asked[2]).toEqual(['f', 'g']); // page 2's batch, asked for while page 1 is still being sent
    expect(r.recycled).toEqual([170]);
    expect(await text(p1.contents(6))).toEqual(['eeeee', 7]);
    expect(await text(p2.contents(0))).toEqual([`${H('F')}fffff${H('G')}ggggg`, 2]);
    s.done();
    await new Promise((ok) => setImmediate(ok));
    expect(r.recycled).toEqual([170, 225, 70]);
    expect(r.max()).toBeLessThanOrEqual(limits.ahead + 1);
  });

  it('names the file the reader could not read, as a stale index, in the run that holds it', async () => {
    const r = fakeReader('b');
    const s = archiveSmallFiles(r.repo, limits, (f) => f.path, stale);
    const p = s.add([row('a', 1), row('big', 101), row('b', 1), row('c', 1)]);
    expect(await text(p.contents(0))).toEqual(['a', 1]); // the file before the failed one, in its own run
    await expect(p.contents(2)).rejects.toMatchObject({ code: 'stale_index', message: 'ds/b: gone (ENOENT)' });
  });
});
