import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { loadConfig } from '../config.js';
import { NotFoundError } from '../domain/errors.js';
import { openInstance, startWorker } from '../main.js';
import { tsvField } from './versions.service.js';

let tmp: ReturnType<typeof tempDir>;
let inst: Awaited<ReturnType<typeof openInstance>>;
let root: string;
const SLUG = 'beta-brain-mri';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function put(rel: string, text: string) {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}
async function ingest() {
  const id = await inst.services.ingest.request(SLUG, root);
  const worker = startWorker(inst.services);
  while (await worker.runOne()) { /* drain */ }
  const job = await inst.services.jobs.get(id);
  expect(job.status, job.error ?? '').toBe('success');
  return job;
}
const versions = () => inst.services.versions.list(SLUG, { page: 1, per_page: 100 });
const diff = (n: number, change?: 'added' | 'removed' | 'modified', page = 1, per_page = 50) =>
  inst.services.versions.get(SLUG, n, { change, page, per_page });
async function manifest(n: number): Promise<string> {
  let text = '';
  for await (const chunk of (await inst.services.versions.manifest(SLUG, n)).lines) text += chunk;
  return text;
}

beforeAll(async () => {
  tmp = tempDir();
  root = join(tmp.dir, 'dataset');
  inst = await openInstance(loadConfig({ MEDIMG_DATA_DIR: join(tmp.dir, 'data'), MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent', MEDIMG_THUMBNAILS: '0' }));
  put('a.txt', 'alpha');
  put('b.txt', 'bravo!');
  put('sub/c.txt', 'charlie');
  // Indexed with an error and no hash: not part of any version's manifest.
  symlinkSync('/etc/hostname', join(root, 'outside-link'));
});
afterAll(async () => {
  await inst.close();
  tmp.cleanup();
});

describe('versions of a mirrored dataset', () => {
  it('lists nothing for a dataset that was never ingested, and refuses an unknown one', async () => {
    expect(await versions()).toEqual({ dataset: SLUG, total: 0, page: 1, per_page: 100, items: [] });
    await expect(inst.services.versions.list('no-such-dataset', { page: 1, per_page: 20 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(diff(1)).rejects.toThrow(`Dataset "${SLUG}" has no version 1`);
    await expect(inst.services.versions.manifest(SLUG, 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('records version 1 with every hashed file added', async () => {
    const job = await ingest();
    expect(job.message).toContain('version 1 recorded (3 added, 0 removed, 0 modified)');
    const list = await versions();
    expect(list.items).toEqual([{
      version: 1, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), files: 3, bytes: 5 + 6 + 7,
      added: { files: 3, bytes: 18 }, removed: { files: 0, bytes: 0 }, modified: { files: 0, bytes: 0, old_bytes: 0 },
      manifest_url: `/api/v1/datasets/${SLUG}/versions/1/manifest.tsv`,
    }]);
    expect((await diff(1)).diff.items.map((c) => [c.path, c.change, c.size])).toEqual([['a.txt', 'added', 5], ['b.txt', 'added', 6], ['sub/c.txt', 'added', 7]]);
    expect(await manifest(1)).toBe(`path\tsize\tsha256\na.txt\t5\t${sha('alpha')}\nb.txt\t6\t${sha('bravo!')}\nsub/c.txt\t7\t${sha('charlie')}\n`);
  });

  it('records no version when a re-run changes nothing, not even when a file was touched', async () => {
    expect((await ingest()).message).toContain('no change since the last version');
    utimesSync(join(root, 'a.txt'), new Date(), new Date(Date.now() + 10_000));
    const job = await ingest();
    expect(job.progress).toMatchObject({ done: 1, total: 1 });
    expect(job.message).toContain('no change since the last version');
    expect((await versions()).total).toBe(1);
  });

  it('records the diff of added, removed and modified files, and keeps the old manifest', async () => {
    put('a.txt', 'alpha, longer now');
    utimesSync(join(root, 'a.txt'), new Date(), new Date(Date.now() + 20_000));
    rmSync(join(root, 'b.txt'));
    put('sub/d.txt', 'delta');
    const job = await ingest();
    expect(job.message).toContain('version 2 recorded (1 added, 1 removed, 1 modified)');
    const { version, diff: d } = await diff(2);
    expect(version).toMatchObject({
      version: 2, files: 3, bytes: 17 + 7 + 5,
      added: { files: 1, bytes: 5 }, removed: { files: 1, bytes: 6 }, modified: { files: 1, bytes: 17, old_bytes: 5 },
    });
    expect(d).toEqual({ change: null, total: 3, page: 1, per_page: 50, items: [
      { path: 'a.txt', change: 'modified', old_size: 5, size: 17, old_sha256: sha('alpha'), sha256: sha('alpha, longer now') },
      { path: 'b.txt', change: 'removed', old_size: 6, size: null, old_sha256: sha('bravo!'), sha256: null },
      { path: 'sub/d.txt', change: 'added', old_size: null, size: 5, old_sha256: null, sha256: sha('delta') },
    ] });
    expect((await diff(2, 'removed')).diff).toMatchObject({ change: 'removed', total: 1, items: [{ path: 'b.txt' }] });
    expect((await diff(2, undefined, 2, 2)).diff).toMatchObject({ total: 3, page: 2, items: [{ path: 'sub/d.txt' }] });
    expect((await versions()).items.map((v) => v.version)).toEqual([2, 1]);
    // Version 1's manifest is unchanged; version 2's is the folder as it is now.
    expect(await manifest(1)).toBe(`path\tsize\tsha256\na.txt\t5\t${sha('alpha')}\nb.txt\t6\t${sha('bravo!')}\nsub/c.txt\t7\t${sha('charlie')}\n`);
    expect(await manifest(2)).toBe(`path\tsize\tsha256\na.txt\t17\t${sha('alpha, longer now')}\nsub/c.txt\t7\t${sha('charlie')}\nsub/d.txt\t5\t${sha('delta')}\n`);
  });

  it('handles a file coming back and a modification back to old content as changes of their own version', async () => {
    put('b.txt', 'bravo!');
    put('a.txt', 'alpha');
    utimesSync(join(root, 'a.txt'), new Date(), new Date(Date.now() + 30_000));
    await ingest();
    expect((await diff(3)).diff.items.map((c) => [c.path, c.change])).toEqual([['a.txt', 'modified'], ['b.txt', 'added']]);
    expect(await manifest(3)).toBe(`path\tsize\tsha256\na.txt\t5\t${sha('alpha')}\nb.txt\t6\t${sha('bravo!')}\nsub/c.txt\t7\t${sha('charlie')}\nsub/d.txt\t5\t${sha('delta')}\n`);
    expect(await manifest(2)).toContain(`a.txt\t17\t`);
    expect((await diff(2)).diff.total).toBe(3);
  });

  it('records the removal of every file as a version with an empty manifest', async () => {
    rmSync(root, { recursive: true });
    mkdirSync(root);
    await ingest();
    expect((await diff(4)).version).toMatchObject({ files: 0, bytes: 0, removed: { files: 4, bytes: 5 + 6 + 7 + 5 } });
    expect(await manifest(4)).toBe('path\tsize\tsha256\n');
    expect((await versions()).total).toBe(4);
  });
});

describe('manifest lines', () => {
  it('escape the characters that would break a TSV line', () => {
    expect(tsvField('plain/name.dcm')).toBe('plain/name.dcm');
    expect(tsvField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  });
});
