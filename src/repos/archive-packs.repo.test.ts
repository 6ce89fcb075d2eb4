import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchivePacksRepo } from './archive-packs.repo.js';

const base = mkdtempSync(join(tmpdir(), 'medimg-packs-repo-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const id = (c: string) => c.repeat(64);

describe('archive packs repo', () => {
  it('stores a pack under its id only once it is complete, and reads it back at any offset', async () => {
    const repo = createArchivePacksRepo(join(base, 'a'));
    expect(repo.open(id('a'), 10)).toBeNull();
    const w = await repo.create(id('a'));
    await w.write(Buffer.from('hello '));
    await w.write(Buffer.from('world'));
    expect(repo.open(id('a'), 11)).toBeNull(); // still a part
    expect(readdirSync(repo.dir)).toEqual([expect.stringMatching(new RegExp(`^${id('a')}\\.part-\\d+-[0-9a-f]{12}$`))]);
    await w.commit();
    expect(readdirSync(repo.dir)).toEqual([`${id('a')}.pack`]);
    const f = repo.open(id('a'), 11)!;
    const buf = Buffer.alloc(5);
    expect(await f.readInto(buf, 0, 5, 6)).toBe(5);
    expect(buf.toString()).toBe('world');
    await expect(f.readInto(buf, 0, 5, 11)).rejects.toThrow(/shorter than planned/);
    f.close();
    f.close();
    // Aborted: nothing left.
    const w2 = await repo.create(id('b'));
    await w2.write(Buffer.from('x'));
    await w2.abort();
    expect(readdirSync(repo.dir)).toEqual([`${id('a')}.pack`]);
  });

  it('takes only ids it made (64 hex digits): no name from elsewhere reaches the filesystem', async () => {
    const repo = createArchivePacksRepo(join(base, 'b'));
    for (const bad of ['../x', `${id('a')}/../..`, id('A'), id('a').slice(1), `${id('a')}\0`, '']) {
      expect(() => repo.open(bad, 1)).toThrow(/not a pack id/);
      await expect(repo.create(bad)).rejects.toThrow(/not a pack id/);
      expect(() => repo.remove(bad)).toThrow(/not a pack id/);
    }
  });

  it('never follows a symlink put in place of a pack, and deletes a pack of the wrong size', async () => {
    const dir = join(base, 'c');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(base, 'secret'), 'x'.repeat(10));
    symlinkSync(join(base, 'secret'), join(dir, `${id('c')}.pack`));
    const repo = createArchivePacksRepo(dir);
    expect(() => repo.open(id('c'), 10)).toThrow(/ELOOP/);
    writeFileSync(join(dir, `${id('d')}.pack`), 'short');
    expect(repo.open(id('d'), 10)).toBeNull();
    expect(readdirSync(dir).sort()).toEqual([`${id('c')}.pack`]);
  });

  it('lists packs least recently used first (opening one marks it used), and sweeps only old unfinished ones', async () => {
    const dir = join(base, 'd');
    const repo = createArchivePacksRepo(dir);
    for (const c of ['1', '2', '3']) {
      const w = await repo.create(id(c));
      await w.write(Buffer.from(c.repeat(Number(c))));
      await w.commit();
      const t = new Date(Date.UTC(2026, 0, Number(c)));
      utimesSync(join(dir, `${id(c)}.pack`), t, t);
    }
    expect(repo.list().map((p) => [p.id[0], p.size])).toEqual([['1', 1], ['2', 2], ['3', 3]]);
    repo.open(id('1'), 1)!.close();
    expect(repo.list().map((p) => p.id[0])).toEqual(['2', '3', '1']);
    repo.remove(id('2'));
    repo.remove(id('2'));
    expect(repo.list().map((p) => p.id[0])).toEqual(['3', '1']);
    const old = join(dir, `${id('4')}.part-1-000000000000`);
    const fresh = join(dir, `${id('5')}.part-1-000000000000`);
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'x');
    utimesSync(old, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    writeFileSync(join(dir, 'unrelated.part-1'), 'x');
    expect(repo.sweep()).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([`${id('1')}.pack`, `${id('3')}.pack`, `${id('5')}.part-1-000000000000`, 'unrelated.part-1']);
    expect(createArchivePacksRepo(join(base, 'none')).list()).toEqual([]);
    expect(createArchivePacksRepo(join(base, 'none')).sweep()).toBe(0);
  });
});
