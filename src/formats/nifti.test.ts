// Expected values come from nibabel 5.0 (nib.load(f).header['dim'], ['pixdim'], ['datatype']) run on the
// same files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { nibabelFile } from '../../test/third-party.js';
import { DEFAULT_LIMITS, detectFormat, FormatError, gunzipBounded, readFileMeta, readHead } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'medimg-nifti-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A minimal little-endian NIfTI-1 header (nifti1.h field offsets). */
function nifti1Header(dims: number[], datatype = 4, bitpix = 16): Buffer {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  h.writeInt16LE(dims.length, 40);
  dims.forEach((d, i) => h.writeInt16LE(d, 42 + 2 * i));
  h.writeInt16LE(datatype, 70);
  h.writeInt16LE(bitpix, 72);
  for (let i = 0; i < 8; i++) h.writeFloatLE(1, 76 + 4 * i);
  h.writeFloatLE(352, 108);
  h.write('n+1\0', 344, 'latin1');
  return h;
}

describe('NIfTI on nibabel test files', () => {
  it('reads example4d.nii.gz (NIfTI-1, gzipped, 4D)', async () => {
    const path = nibabelFile('example4d.nii.gz');
    expect(detectFormat(await readHead(path), 'no-extension').id).toBe('nifti');
    const meta = await readFileMeta(path);
    expect(meta).toEqual({
      kind: 'volume', format: 'nifti', width: 128, height: 96, depth: 24, frames: 2, channels: 1, bitDepth: 16, spacing: [2, 2, 2.199999],
    });
  });

  it('reads example_nifti2.nii.gz (NIfTI-2)', async () => {
    const meta = await readFileMeta(nibabelFile('example_nifti2.nii.gz'));
    expect(meta).toMatchObject({ kind: 'volume', width: 32, height: 20, depth: 12, frames: 2, bitDepth: 16, spacing: [2, 2, 2.199999] });
  });

  it('reads a big-endian .nii (anatomical.nii, int16) and a big-endian float32 one', async () => {
    expect(await readFileMeta(nibabelFile('anatomical.nii'))).toMatchObject({ width: 33, height: 41, depth: 25, bitDepth: 16, spacing: [2, 2, 2] });
    expect(await readFileMeta(nibabelFile('reoriented_anat_moved.nii'))).toMatchObject({ width: 21, height: 26, depth: 22, bitDepth: 32, spacing: [4, 4, 4] });
  });

  it('reads functional.nii (4D) and standard.nii.gz (uint8)', async () => {
    expect(await readFileMeta(nibabelFile('functional.nii'))).toMatchObject({ width: 17, height: 21, depth: 3, frames: 20, spacing: [4, 4, 8] });
    expect(await readFileMeta(nibabelFile('standard.nii.gz'))).toMatchObject({ width: 4, height: 5, depth: 7, bitDepth: 8, spacing: [1, 3, 2] });
  });

  it('reads the headers of NIfTI-1 and NIfTI-2 pairs, and Analyze 7.5', async () => {
    for (const f of ['nifti1.hdr', 'nifti2.hdr']) {
      expect(await readFileMeta(nibabelFile(f))).toMatchObject({ format: 'nifti', width: 91, height: 109, depth: 91, spacing: [2, 2, 2] });
    }
    expect(await readFileMeta(nibabelFile('analyze.hdr'))).toMatchObject({ format: 'analyze', kind: 'volume' });
  });
});

describe('NIfTI hostile input', () => {
  it('rejects a header claiming absurd dimensions without allocating', async () => {
    const path = join(tmp, 'absurd.nii');
    writeFileSync(path, nifti1Header([32767, 32767, 32767]));
    await expect(readFileMeta(path)).rejects.toThrow(/dimensions 32767x32767x32767 exceed the limits/);
    const neg = join(tmp, 'negative.nii');
    writeFileSync(neg, nifti1Header([-5, 10, 10]));
    await expect(readFileMeta(neg)).rejects.toThrow(/invalid dimensions/);
  });

  it('rejects a .nii whose voxel data is cut short', async () => {
    const path = join(tmp, 'short.nii');
    writeFileSync(path, Buffer.concat([nifti1Header([10, 10, 10]), Buffer.alloc(100)]));
    await expect(readFileMeta(path)).rejects.toThrow(/truncated voxel data/);
  });

  it('survives a gzip bomb: 1 GiB of zeros behind a valid header', async () => {
    // Multi-member gzip (RFC 1952 §2.2): one member of 16 MiB of zeros repeated 64 times inflates to 1 GiB.
    const member = gzipSync(Buffer.alloc(16 * 2 ** 20), { level: 9 });
    const bomb = join(tmp, 'bomb.nii.gz');
    writeFileSync(bomb, Buffer.concat([gzipSync(nifti1Header([64, 64, 64])), ...Array<Buffer>(64).fill(member)]));
    const zeros = join(tmp, 'zeros.nii.gz');
    writeFileSync(zeros, Buffer.concat(Array<Buffer>(64).fill(member)));
    const started = Date.now();
    // Metadata needs only the header: reading stops after 544 inflated bytes.
    expect(await readFileMeta(bomb)).toMatchObject({ width: 64, height: 64, depth: 64 });
    await expect(readFileMeta(zeros)).rejects.toThrow(/not a NIfTI header/);
    // Decoding everything stops at the limit instead of inflating 1 GiB.
    const limits = { ...DEFAULT_LIMITS, maxDecompressedBytes: 32 * 2 ** 20 };
    await expect(gunzipBounded({ path: bomb, size: 0 }, limits, 'nifti')).rejects.toThrow(/exceeds the limit/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects an empty file, random bytes and a truncated header named .nii', async () => {
    const empty = join(tmp, 'empty.nii');
    writeFileSync(empty, Buffer.alloc(0));
    await expect(readFileMeta(empty)).rejects.toThrow(FormatError);
    const random = join(tmp, 'random.nii.gz');
    writeFileSync(random, Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 251)));
    await expect(readFileMeta(random)).rejects.toThrow(FormatError);
    const cut = join(tmp, 'cut.nii');
    writeFileSync(cut, readFileSync(nibabelFile('anatomical.nii')).subarray(0, 200));
    await expect(readFileMeta(cut)).rejects.toThrow(/truncated/);
  });
});
