// Text-header volumes, MAT and HDF5. Fixtures were written by VTK 9.1 (vtkMetaImageWriter), teem's
// `unu make` (NRRD), SciPy `savemat` and h5py (test/fixtures/README.md). Expected values: the writers'
// own parameters as echoed by `unu head`, SciPy's `whosmat`/`matfile_version` and `h5dump -H`.
import { rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, FormatError, readFileMeta, readHead } from './index.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const fx = (p: string) => join(FIXTURES, p);
const tmp = mkdtempSync(join(tmpdir(), 'medimg-volumes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, data: Buffer | string) => {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
};

describe('MetaImage', () => {
  it('reads an .mha with local data and an .mhd with a .zraw', async () => {
    expect(await readFileMeta(fx('metaimage/short-7x6x5.mha'))).toEqual({
      kind: 'volume', format: 'metaimage', width: 7, height: 6, depth: 5, channels: 1, bitDepth: 16, spacing: [0.8, 0.8, 3],
    });
    expect(await readFileMeta(fx('metaimage/float-9x4.mhd'))).toEqual({
      kind: 'image', format: 'metaimage', width: 9, height: 4, channels: 1, bitDepth: 32, spacing: [1.5, 2],
    });
    expect(await readFileMeta(fx('metaimage/float-9x4.zraw'))).toEqual({ kind: 'other', format: 'raw-data' });
  });

  it('rejects absurd or inconsistent headers', async () => {
    await expect(readFileMeta(write('big.mha', 'NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n'))).rejects.toThrow(/exceed the limits/);
    await expect(readFileMeta(write('bad.mhd', 'NDims = 3\nDimSize = 4 4\nElementDataFile = x.raw\n'))).rejects.toThrow(/NDims\/DimSize/);
    await expect(readFileMeta(write('type.mhd', 'NDims = 2\nDimSize = 4 4\nElementType = MET_FOO\n'))).rejects.toThrow(/ElementType/);
    await expect(readFileMeta(write('random.mha', Buffer.alloc(70_000, 0x41)))).rejects.toThrow(FormatError);
  });
});

describe('NRRD', () => {
  it('reads attached raw, gzip with an RGB axis, and a detached header with space directions', async () => {
    expect(await readFileMeta(fx('nrrd/ushort-6x5x4.nrrd'))).toEqual({
      kind: 'volume', format: 'nrrd', width: 6, height: 5, depth: 4, channels: 1, bitDepth: 16, spacing: [0.5, 0.5, 2.5],
    });
    expect(await readFileMeta(fx('nrrd/rgb-8x10-gzip.nrrd'))).toEqual({ kind: 'image', format: 'nrrd', width: 8, height: 10, channels: 3, bitDepth: 8 });
    expect(await readFileMeta(fx('nrrd/float-dirs.nhdr'))).toMatchObject({ kind: 'volume', width: 5, height: 4, depth: 3, bitDepth: 32, spacing: [0.7, 0.7, 3] });
  });

  it('rejects absurd or inconsistent headers', async () => {
    await expect(readFileMeta(write('big.nrrd', 'NRRD0004\ntype: uchar\ndimension: 2\nsizes: 100000 100000\n\n'))).rejects.toThrow(/exceed the limits/);
    await expect(readFileMeta(write('bad.nrrd', 'NRRD0004\ntype: uchar\ndimension: 3\nsizes: 4 4\n\n'))).rejects.toThrow(/dimension\/sizes/);
    await expect(readFileMeta(write('random.nrrd', Buffer.from('not a nrrd\n')))).rejects.toThrow(/NRRD magic/);
  });
});

describe('MAT and HDF5', () => {
  it('reads the first array of MAT v5 files, plain and compressed (SciPy whosmat: (3,4,5) and (7,2))', async () => {
    // A numeric 3D array is previewed as a volume (src/formats/pixels/mat.ts).
    expect(await readFileMeta(fx('mat/v5-int16-3x4x5.mat'))).toEqual({ kind: 'volume', format: 'mat', height: 3, width: 4, depth: 5 });
    expect(await readFileMeta(fx('mat/v5-compressed-7x2.mat'))).toEqual({ kind: 'other', format: 'mat', height: 7, width: 2 });
  });

  it('recognises MAT v7.3 before HDF5 (SciPy matfile_version (2, 0); h5dump reads it)', async () => {
    expect(detectFormat(await readHead(fx('mat/v73.mat')), 'v73.mat').id).toBe('mat');
    expect(detectFormat(await readHead(fx('mat/v73.mat')), 'renamed.h5').id).toBe('mat');
    expect(await readFileMeta(fx('mat/v73.mat'))).toEqual({ kind: 'other', format: 'mat' });
  });

  it('reads HDF5 by signature', async () => {
    expect(detectFormat(await readHead(fx('hdf5/small.h5')), 'no-extension').id).toBe('hdf5');
    // h5dump -H: dataset "images", H5T_STD_U8LE, ( 2, 8, 8 ).
    expect(await readFileMeta(fx('hdf5/small.h5'))).toEqual({ kind: 'volume', format: 'hdf5', width: 8, height: 8, depth: 2 });
  });

  it('rejects garbage', async () => {
    await expect(readFileMeta(write('random.mat', Buffer.alloc(300, 3)))).rejects.toThrow(/no MAT-file header/);
    await expect(readFileMeta(write('random.h5', Buffer.alloc(3000, 3)))).rejects.toThrow(/no HDF5 superblock/);
    const badZlib = Buffer.alloc(200);
    badZlib.write('MATLAB 5.0 MAT-file', 0, 'latin1');
    badZlib.write('IM', 126, 'latin1');
    badZlib.writeUInt32LE(15, 128);
    badZlib.writeUInt32LE(64, 132);
    await expect(readFileMeta(write('badzlib.mat', badZlib))).rejects.toThrow(/corrupt compressed data/);
  });
});
