// The registry: content beats extension, unknown files fall back to 'file', and hostile input of any
// kind ends in a FormatError (never a hang, never another error type).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nibabelFile } from '../../test/third-party.js';
import { detectFormat, FormatError, HANDLERS, handlerById, readFileMeta, readHead } from './index.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'medimg-registry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, data: Buffer | string) => {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
};
/** Deterministic bytes that look like nothing (no signature, a few zero bytes). */
const RANDOM = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 7919 + 13) % 251));

describe('detectFormat', () => {
  it('has unique handler ids, all reachable by id', () => {
    const ids = HANDLERS.map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(handlerById(id)?.id).toBe(id);
    expect(handlerById('file')?.id).toBe('file');
  });

  it('prefers a content match over an extension match', async () => {
    const png = await readHead(join(FIXTURES, 'png/gray16.png'));
    expect(detectFormat(png, 'scan.dcm').id).toBe('png');
    expect(detectFormat(png, 'scan.nii.gz').id).toBe('png');
    expect(detectFormat(Buffer.alloc(0), 'scan.dcm').id).toBe('dicom');
  });

  it('falls back to the plain file handler', async () => {
    expect(detectFormat(RANDOM.subarray(0, 4096), 'notes.xyz').id).toBe('file');
    expect(await readFileMeta(write('notes.xyz', RANDOM))).toEqual({ kind: 'other', format: 'file' });
    expect(await readFileMeta(write('empty', ''))).toEqual({ kind: 'other', format: 'file' });
  });

  it('detects a gzipped NIfTI by content whatever its name', () => {
    const gz = readFileSync(nibabelFile('example4d.nii.gz'));
    expect(detectFormat(gz.subarray(0, 4096), 'volume.bin').id).toBe('nifti');
  });

  it('matches by extension case-insensitively', () => {
    expect(detectFormat(Buffer.alloc(0), 'SCAN.NII.GZ').id).toBe('nifti');
    expect(detectFormat(Buffer.alloc(0), 'Record.HEA').id).toBe('wfdb');
  });
});

describe('hostile input through the registry', () => {
  const medical = ['x.dcm', 'x.nii', 'x.nii.gz', 'x.mha', 'x.mhd', 'x.nrrd', 'x.hea', 'x.edf', 'x.mat', 'x.h5', 'x.csv'];
  const images = ['x.png', 'x.jpg', 'x.bmp', 'x.tif', 'x.pgm', 'x.gif', 'x.webp', 'x.wav', 'x.ogg', 'x.webm', 'x.mp4', 'x.avi'];

  it.each([...medical, ...images])('rejects random bytes named %s with a FormatError', async (name) => {
    await expect(readFileMeta(write(`random-${name}`, RANDOM))).rejects.toThrow(FormatError);
  });

  it.each([...medical, ...images])('rejects an empty file named %s with a FormatError', async (name) => {
    await expect(readFileMeta(write(`empty-${name}`, ''))).rejects.toThrow(FormatError);
  });

  it('gives a short reason naming the format', async () => {
    const err = await readFileMeta(write('short.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).format).toBe('png');
    expect((err as FormatError).reason).toBe('truncated');
  });

  it('passes I/O errors through unchanged', async () => {
    await expect(readFileMeta(join(tmp, 'missing.dcm'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
