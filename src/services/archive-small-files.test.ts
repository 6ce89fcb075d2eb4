import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.js';
import { filePageOf } from '../domain/file-page.js';
import type { PlanPiece, RunPiece } from '../domain/zip-plan.js';
import type { Copy, SmallBatchSource, SmallFilesBatch, SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { archiveSmallFiles, type FolderBytes } from './archive-small-files.js';

/**
 * A reader that answers from memory (each file's head, then the last letter of its path, size
 * times) and records the paths asked for, the batches outstanding and the ones given back.
 */
const copy: Copy = (target, at, source, from, length) => target.set(source.subarray(from, from + length), at);

function fakeReader(fail?: string) {
  const asked: string[][] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const recycled: number[] = [];
  const repo: SmallFilesRepo = {
    read: async (batch: SmallBatchSource): Promise<SmallFilesBatch> => {
      // As the repo does: the batch writes its paths and heads into a buffer.
      const scratch = Buffer.alloc(batch.pathRoom + batch.headBytes);
      const paths: string[] = [];
      let at = 0;
      for (let i = 0; i < batch.length; i++) {
        const n = batch.writePath(i, scratch, at);
        paths.push(scratch.toString('utf8', at, at + n));
        at += n;
      }
      asked.push(paths);
      maxOutstanding = Math.max(maxOutstanding, ++outstanding);
      batch.writeHeads(scratch, at, copy);
      const heads = scratch.subarray(at, at + batch.headBytes);
      const parts: Buffer[] = [];
      let failed = -1;
      for (let i = 0, h = 0; i < paths.length; i++) {
        parts.push(heads.subarray(h, h + batch.headLen(i)));
        h += batch.headLen(i);
        if (paths[i] === fail) {
          failed = i;
          break;
        }
        parts.push(Buffer.alloc(batch.size(i), paths[i]!.slice(-1)));
      }
      return { data: Buffer.concat(parts), failed, message: failed >= 0 ? 'gone (ENOENT)' : '' };
    },
    recycle: (data: Buffer) => { outstanding--; recycled.push(data.length); },
    copy,
    reader: 'fake',
    close: async () => {},
  };
  return { repo, asked, recycled, max: () => maxOutstanding };
}

const limits = { maxFile: 100, batchFiles: 3, batchBytes: 250, ahead: 1 };
const stale = (m: string) => new AppError('conflict', 'stale_index', m);
const text = (b: Uint8Array) => Buffer.from(b).toString();
const utf8 = new TextEncoder();
/** Folders of group 0 under /m/, of group 1 under /n/; the folder `gone` cannot be served. */
const folders: [number, string][] = [];
const folder = (group: number, dir: string): FolderBytes => {
  folders.push([group, dir]);
  return dir === 'gone' ? 'missing' : utf8.encode(`/${group === 0 ? 'm' : 'n'}/${dir ? `${dir}/` : ''}`);
};

/** A run of files [from, to) of a page of `paths` and `sizes`; local headers are 30 bytes plus the name, as in a zip (names: `ds/` + path). */
function runOf(paths: string[], sizes: number[], from = 0, to = paths.length, group = 0): RunPiece {
  const files = filePageOf(paths.map((path, i) => ({ id: i, path, size: sizes[i]!, mtime_ms: 1000 + i, sha256: 'f'.repeat(64), crc32: '00000000' })));
  const nameLens = Uint32Array.from(paths, (p) => utf8.encode(`ds/${p}`).length);
  const heads = Buffer.concat(paths.map((p, i) => Buffer.alloc(30 + nameLens[i]!, String.fromCharCode(65 + i))));
  let headFrom = 0;
  for (let k = 0; k < from; k++) headFrom += 30 + nameLens[k]!;
  let headTo = headFrom;
  for (let k = from; k < to; k++) headTo += 30 + nameLens[k]!;
  return { kind: 'run', group, prefix: 'ds/', files, nameLens, from, to, heads, headFrom, headTo, packAt: -1 };
}
const H = (i: number, path: string) => String.fromCharCode(65 + i).repeat(33 + Buffer.byteLength(path));

describe('small files of an archive stream', () => {
  it('reads runs of small files with their heads, batched by count and bytes (heads included), and asks for the next page before the current one ends', async () => {
    const r = fakeReader();
    folders.length = 0;
    const s = archiveSmallFiles(r.repo, limits, folder, stale);
    const paths = ['a/a', 'a/b', 'a/c', 'b/d', 'e', 'é/f'];
    // Heads and contents: 43 bytes for each of the first three (a batch by count), 43 + 134, then
    // 77 bytes that do not fit beside them (a batch by bytes).
    const run = runOf(paths, [7, 7, 7, 7, 100, 40], 0, 6);
    const header: PlanPiece = { kind: 'bytes', bytes: new Uint8Array(30) };
    const p1 = s.add([header, run]);
    expect(p1.batches).toEqual([undefined, [0, 3]]);
    expect(r.asked).toEqual([['/m/a/a', '/m/a/b', '/m/a/c'], ['/m/b/d', '/m/e']]); // batch 0 and one ahead
    // One folder lookup per change of folder, the root as ''.
    expect(folders).toEqual([[0, 'a'], [0, 'b'], [0, ''], [0, 'é']]);
    const p2 = s.add([runOf(['x', 'y'], [5, 5], 0, 2, 1)]);
    expect(r.asked.length).toBe(2); // nothing beyond `ahead` yet
    expect(text(await p1.contents(0))).toBe(`${H(0, 'a/a')}aaaaaaa${H(1, 'a/b')}bbbbbbb${H(2, 'a/c')}ccccccc`);
    expect(text(await p1.contents(1))).toBe(`${H(3, 'b/d')}ddddddd${H(4, 'e')}${'e'.repeat(100)}`); // batch 0 goes back
    expect(r.asked[2]).toEqual(['/m/é/f']);
    expect(r.recycled).toEqual([129]);
    expect(text(await p1.contents(2))).toBe(`${H(5, 'é/f')}${'f'.repeat(40)}`);
    expect(r.asked[3]).toEqual(['/n/x', '/n/y']); // page 2's batch, asked for while page 1 is still being sent
    expect(text(await p2.contents(3))).toBe(`${H(0, 'x')}xxxxx${H(1, 'y')}yyyyy`);
    s.done();
    await new Promise((ok) => setImmediate(ok));
    expect(r.recycled).toEqual([129, 177, 77, 78]);
    expect(r.max()).toBeLessThanOrEqual(limits.ahead + 1);
  });

  it('takes a run from the middle of a page, with its own heads', async () => {
    const r = fakeReader();
    const s = archiveSmallFiles(r.repo, limits, folder, stale);
    const p = s.add([runOf(['a', 'b', 'c', 'd'], [1, 2, 3, 4], 1, 3)]);
    expect(r.asked).toEqual([['/m/b', '/m/c']]);
    expect(text(await p.contents(0))).toBe(`${H(1, 'b')}bb${H(2, 'c')}ccc`);
  });

  it('names the file the reader could not read, or whose folder cannot be served, as a stale index', async () => {
    const r = fakeReader('/m/b');
    const s = archiveSmallFiles(r.repo, limits, folder, stale);
    const p = s.add([runOf(['a', 'b', 'c'], [1, 1, 1])]);
    await expect(p.contents(0)).rejects.toMatchObject({ code: 'stale_index', message: 'ds/b gone (ENOENT)' });
    expect(() => s.add([runOf(['ok/a', 'gone/b'], [1, 1])])).toThrow(expect.objectContaining({ code: 'stale_index', message: 'ds/gone/b is no longer served (missing): re-ingest the dataset' }));
  });
});
