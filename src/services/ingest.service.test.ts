import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { nibabelFile, pydicomFile } from '../../test/third-party.js';
import { loadConfig } from '../config.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { openInstance, startWorker } from '../main.js';

let tmp: ReturnType<typeof tempDir>;
let inst: Awaited<ReturnType<typeof openInstance>>;
let root: string;
const SLUG = 'alpha-lung-ct';

function put(rel: string, data: Buffer | string) {
  const abs = join(root, rel);
  mkdirSync(join(abs, '..'), { recursive: true });
  writeFileSync(abs, data);
}
function copy(rel: string, from: string) {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  copyFileSync(from, join(root, rel));
}

async function ingest(labels?: string) {
  const id = await inst.services.ingest.request(SLUG, root, labels);
  const worker = startWorker(inst.services);
  while (await worker.runOne()) { /* drain */ }
  return inst.services.jobs.get(id);
}
const files = async (query = '') => (await inst.services.files.list(SLUG, { page: 1, per_page: 200, ...Object.fromEntries(new URLSearchParams(query)) } as never)).items;
const byPath = async () => new Map((await files()).map((f) => [f.path, f]));
const crc32Of = async (path: string) => (await inst.db.selectFrom('files').select('crc32').where('slug', '=', SLUG).where('path', '=', path).executeTakeFirstOrThrow()).crc32;

beforeAll(async () => {
  tmp = tempDir();
  root = join(tmp.dir, 'dataset');
  inst = await openInstance(loadConfig({ MEDIMG_DATA_DIR: join(tmp.dir, 'data'), MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent' }));
  // Real files written by other software: pydicom's and nibabel's test data.
  copy('train/nodule/ct1.dcm', pydicomFile('CT_small.dcm'));
  copy('train/nodule/mr-rle.dcm', pydicomFile('MR_small_RLE.dcm'));
  copy('train/normal/mr.dcm', pydicomFile('MR_small.dcm'));
  copy('test/normal/truncated.dcm', pydicomFile('MR_truncated.dcm'));
  copy('volumes/images/case1.nii.gz', nibabelFile('standard.nii.gz'));
  copy('volumes/masks/case1.nii.gz', nibabelFile('standard.nii.gz'));
  copy('volumes/images/anat.nii', nibabelFile('anatomical.nii'));
  copy('png/lesion.png', join(import.meta.dirname, '../../test/fixtures/png/gray16.png'));
  copy('png/lesion_mask.png', join(import.meta.dirname, '../../test/fixtures/png/palette.png'));
  put('notes/readme.txt', 'not an image');
  put('labels.csv', 'file,diagnosis\ntrain/nodule/ct1.dcm,malignant\nmr.dcm,benign\n');
});
afterAll(async () => {
  await inst.close();
  tmp.cleanup();
});

describe('ingestion of a folder of real files', () => {
  it('indexes every file with its format, metadata, hash, split and folder label', async () => {
    const job = await ingest('folders');
    expect(job.status).toBe('success');
    expect(job.progress).toMatchObject({ done: 11, total: 11 });
    const f = await byPath();
    expect(f.size).toBe(11);
    const ct = f.get('train/nodule/ct1.dcm')!;
    expect(ct).toMatchObject({ kind: 'series-slice', format: 'dicom', label: 'nodule', split: 'train', error: null });
    // Values read with dcmdump from pydicom's CT_small.dcm.
    expect(ct.meta).toMatchObject({ width: 128, height: 128, dicom: { Modality: 'CT', Rows: 128, Columns: 128, TransferSyntaxUID: '1.2.840.10008.1.2.1' } });
    expect(ct.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The CRC-32 from the same read as the hash, as Python's zlib computes it.
    const crc = execFileSync('python3', ['-c', 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))', join(root, 'train/nodule/ct1.dcm')]).toString().trim();
    expect(await crc32Of('train/nodule/ct1.dcm')).toBe(crc);
    expect(await crc32Of('notes/readme.txt')).toMatch(/^[0-9a-f]{8}$/);
    expect(JSON.stringify(ct.meta)).not.toMatch(/PatientName|PatientID|BirthDate|CompressedSamples/);
    expect(f.get('train/nodule/mr-rle.dcm')!.meta).toMatchObject({ dicom: { TransferSyntaxUID: '1.2.840.10008.1.2.5' } });
    expect(f.get('volumes/images/anat.nii')).toMatchObject({ kind: 'volume', format: 'nifti' });
    expect(f.get('notes/readme.txt')).toMatchObject({ kind: 'other', format: 'file', error: null, thumbnail_url: null });
    // Thumbnails for the previewable ones: a DICOM slice, an RLE DICOM, a NIfTI volume, a 16-bit PNG.
    for (const p of ['train/nodule/ct1.dcm', 'train/nodule/mr-rle.dcm', 'volumes/images/anat.nii', 'png/lesion.png']) {
      const thumb = await inst.services.files.thumbnail(f.get(p)!.id);
      expect(thumb.webp.subarray(8, 12).toString(), p).toBe('WEBP');
    }
  });

  it('records a truncated DICOM as a per-file error and goes on', async () => {
    const f = await byPath();
    expect(f.get('test/normal/truncated.dcm')!.error).toMatch(/dicom/i);
    const mirror = await inst.services.files.mirror(SLUG);
    expect(mirror).toMatchObject({ files: 11, failed: 1 });
    expect(mirror!.failures).toEqual([{ path: 'test/normal/truncated.dcm', error: f.get('test/normal/truncated.dcm')!.error }]);
    expect(mirror!.summary).toMatchObject({ by_format: { dicom: 3, nifti: 3, png: 2 }, by_split: { train: 3 } });
  });

  it('groups DICOM slices into series', async () => {
    const { series } = await inst.services.files.series(SLUG);
    const f = await byPath();
    const ct = series.find((s) => s.modality === 'CT')!;
    expect(ct).toMatchObject({ slices: 1, width: 128, height: 128, file_ids: [f.get('train/nodule/ct1.dcm')!.id] });
    expect(series.every((s) => s.file_ids.length === s.slices)).toBe(true);
  });

  it('pairs masks with their images', async () => {
    const f = await byPath();
    expect(f.get('volumes/masks/case1.nii.gz')).toMatchObject({ role: 'mask', pair_path: 'volumes/images/case1.nii.gz' });
    expect(f.get('volumes/images/case1.nii.gz')).toMatchObject({ role: 'image', pair_path: 'volumes/masks/case1.nii.gz' });
    expect(f.get('png/lesion_mask.png')).toMatchObject({ role: 'mask', pair_path: 'png/lesion.png' });
    expect(f.get('volumes/images/anat.nii')!.role).toBeNull();
  });

  it('filters the file list and counts folders in the tree', async () => {
    expect((await files('label=nodule')).map((x) => x.path)).toEqual(['train/nodule/ct1.dcm', 'train/nodule/mr-rle.dcm']);
    expect((await files('format=nifti')).length).toBe(3);
    expect((await files('path=volumes/masks/')).map((x) => x.path)).toEqual(['volumes/masks/case1.nii.gz']);
    const tree = await inst.services.files.tree(SLUG, 'train');
    expect(tree).toEqual({ path: 'train/', folders: [
      { name: 'nodule', path: 'train/nodule/', files: 2, bytes: expect.any(Number) },
      { name: 'normal', path: 'train/normal/', files: 1, bytes: expect.any(Number) },
    ], files: 0 });
  });

  it('re-runs incrementally: only new or changed files, deleted ones removed', async () => {
    const before = await byPath();
    expect((await ingest('folders')).progress).toMatchObject({ done: 0, total: 0 });
    put('notes/readme.txt', 'changed text, new size');
    utimesSync(join(root, 'notes/readme.txt'), new Date(), new Date(Date.now() + 5000));
    rmSync(join(root, 'png/lesion_mask.png'));
    copy('train/normal/mr2.dcm', pydicomFile('MR_small_implicit.dcm'));
    const job = await ingest('folders');
    expect(job.progress).toMatchObject({ done: 2, total: 2 });
    expect(job.message).toContain('1 removed');
    const after = await byPath();
    expect(after.has('png/lesion_mask.png')).toBe(false);
    expect(after.get('png/lesion.png')!.role).toBeNull();
    expect(after.get('notes/readme.txt')!.sha256).not.toBe(before.get('notes/readme.txt')!.sha256);
    expect(await crc32Of('notes/readme.txt')).toBe(execFileSync('python3', ['-c', 'import zlib; print("%08x" % zlib.crc32(b"changed text, new size"))']).toString().trim());
    expect(after.get('train/nodule/ct1.dcm')!.id).toBe(before.get('train/nodule/ct1.dcm')!.id);
  });

  it('takes labels from a CSV by relative path or bare file name', async () => {
    await ingest('csv:labels.csv:file:diagnosis');
    const f = await byPath();
    expect(f.get('train/nodule/ct1.dcm')!.label).toBe('malignant');
    expect(f.get('train/normal/mr.dcm')!.label).toBe('benign');
    expect(f.get('train/nodule/mr-rle.dcm')!.label).toBeNull();
  });
});

describe('hostile input', () => {
  it('bounds gzip bombs, absurd headers, symlinks out of the root and loops', async () => {
    // 512 MiB of zeros after a NIfTI-ish name: inflates past the limit.
    put('hostile/bomb.nii.gz', gzipSync(Buffer.alloc(300 * 2 ** 20), { level: 9 }));
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000186a0000186a00806000000', 'hex');
    put('hostile/huge.png', Buffer.concat([png, Buffer.alloc(4)]));
    symlinkSync('/etc/passwd', join(root, 'hostile/passwd-link'));
    symlinkSync('..', join(root, 'hostile/loop'));
    put('hostile/empty.dcm', Buffer.alloc(0));
    const job = await ingest('folders');
    expect(job.status).toBe('success');
    const f = await byPath();
    expect(f.get('hostile/bomb.nii.gz')!.error).toMatch(/nifti/i);
    expect(f.get('hostile/passwd-link')!.error).toBe('symlink points outside the dataset root');
    expect(f.get('hostile/loop')!.error).toBe('symlinked folder not followed');
    expect(f.get('hostile/empty.dcm')!.error).toBeTruthy();
    const huge = f.get('hostile/huge.png')!;
    expect(huge.error ?? JSON.stringify(huge.meta)).toMatch(/100000|limit|large/);
    // The rest of the dataset is still there.
    expect(f.get('train/nodule/ct1.dcm')!.error).toBeNull();
  });

  it('refuses bad requests with clear errors', async () => {
    await expect(inst.services.ingest.request('no-such-card', root)).rejects.toBeInstanceOf(NotFoundError);
    await expect(inst.services.ingest.request(SLUG, join(root, 'missing'))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(inst.services.ingest.request(SLUG, root, 'csv:only-two')).rejects.toThrow(/--labels must be/);
    const id = await inst.services.ingest.request(SLUG, root, 'csv:nope.csv:a:b');
    const worker = startWorker(inst.services);
    await worker.runOne();
    expect(await inst.services.jobs.get(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/nope\.csv/) });
  });

  it('will not start a second ingestion while a live worker holds the first', async () => {
    const id = await inst.services.ingest.request(SLUG, root);
    const claimed = await inst.services.jobs.claim(`${(await import('node:os')).hostname()}:${process.pid}`, 60_000, ['ingest']);
    expect(claimed?.id).toBe(id);
    await expect(inst.services.ingest.request(SLUG, root)).rejects.toBeInstanceOf(ConflictError);
    await inst.services.jobs.finish(id, 'failed', 'test', null);
  });
});
