import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRawFilesRepo } from './raw-files.repo.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'medimg-raw-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('folder resolver of an archive stream', () => {
  it('gives real paths inside the root, whatever order the folders come in, and refuses folders that leave it', () => {
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(root, 'ab'), { recursive: true });
    mkdirSync(join(tmp, 'elsewhere'));
    writeFileSync(join(tmp, 'elsewhere', 'secret'), 'x');
    symlinkSync(join(tmp, 'elsewhere'), join(root, 'out'));
    symlinkSync(join(tmp, 'elsewhere'), join(root, 'zz'));
    symlinkSync(join(root, 'a'), join(root, 'alias'));
    const other = join(tmp, 'other');
    mkdirSync(join(other, 'a'), { recursive: true });

    const resolve = createRawFilesRepo().folderResolver();
    const got = [
      ['top.txt', root], ['a/x', root], ['a/y', root], ['a/b/z', root], ['a/w', root], ['ab/v', root], ['zz/secret', root], ['a/x', other],
      ['a/x', root], ['out/secret', root], ['out/secret', root], ['alias/b/z', root], ['gone/f', root], ['t2', root], ['t2', join(tmp, 'missing')],
    ].map(([rel, r]) => resolve.file(r!, rel!));
    expect(got).toEqual([
      join(root, 'top.txt'), join(root, 'a', 'x'), join(root, 'a', 'y'), join(root, 'a', 'b', 'z'), join(root, 'a', 'w'), join(root, 'ab', 'v'), { status: 'outside' }, join(other, 'a', 'x'),
      join(root, 'a', 'x'), { status: 'outside' }, { status: 'outside' }, join(root, 'a', 'b', 'z'), { status: 'missing', reason: 'ENOENT' }, join(root, 't2'),
      { status: 'missing', reason: `the mirror folder ${join(tmp, 'missing')} is not readable` },
    ]);
    // Folders as the small-file reader takes them: the real path and a separator.
    expect([resolve.folder(root, ''), resolve.folder(root, 'alias/b'), resolve.folder(root, 'out'), resolve.folder(root, 'gone')]).toEqual([
      { status: 'ok', prefix: `${realpathSync(root)}/` }, { status: 'ok', prefix: `${realpathSync(join(root, 'a', 'b'))}/` }, { status: 'outside' }, { status: 'missing', reason: 'ENOENT' },
    ]);
  });

  it('keeps its own copy of each folder it looked up, not the text the folder name was cut from', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const resolve = createRawFilesRepo().folderResolver();
    const before = heap();
    // 100 folders, each named by a slice of a text of 1 MB of its own (as an index page's paths are).
    for (let i = 0; i < 100; i++) {
      const text = `${String(i).padStart(4, '0')}-folder/${'x'.repeat(1_000_000)}`;
      resolve.folder(tmp, text.slice(0, 30));
    }
    expect(heap() - before).toBeLessThan(10e6); // 100 MB when the map's keys were made of the slices
  });
});

describe('a file opened to be sent', () => {
  it('is refused when it is no longer the indexed regular file, a FIFO included, without waiting for a writer', async () => {
    const raw = createRawFilesRepo();
    const f = join(tmp, 'sent.bin');
    writeFileSync(f, 'abcdef');
    const mtime = Math.trunc(statSync(f).mtimeMs);
    const opened = raw.openSized(f, 6, mtime);
    const buf = Buffer.alloc(6);
    expect(await opened.readInto(buf, 0, 6, 0)).toBe(6);
    opened.close();
    expect(buf.toString()).toBe('abcdef');
    expect(() => raw.openSized(f, 5, mtime)).toThrow(/no longer the indexed file \(size 6, indexed 5\)/);
    expect(() => raw.openSized(f, 6, mtime - 1000)).toThrow(/modification time differs/);
    const fifo = join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => raw.openSized(fifo, 0, Math.trunc(statSync(fifo).mtimeMs))).toThrow(/no longer the indexed file/);
    expect(await raw.check(tmp, 'fifo', 0)).toEqual({ status: 'not_file' });
  });
});
