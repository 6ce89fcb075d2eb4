// NIfTI expectations come from nibabel 5.0 (Debian python3-nibabel, the package the files come from):
//   a = np.asarray(nib.load(f).dataobj)  (scl_slope/scl_inter applied; [..., 0] for 4D); print(a[x, y, z])
// run with NumPy 2.4 after shimming the three NumPy 1 names nibabel 5.0 imports (np.sctypes,
// np.maximum_sctype, numpy.compat.py3k.asstr). MetaImage expectations come from VTK 9.1's vtkMetaImageReader
// (Debian python3-vtk9) on the VTK-written fixtures in test/fixtures/metaimage (whose voxels VTK never
// initialised, hence the odd values). Synthetic NRRD and MetaImage files are checked against the values written.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { nibabelFile } from '../../../test/third-party.js';
import { DEFAULT_LIMITS, FormatError, type Limits } from '../types.js';
import { decodeVolume } from './index.js';
import { int16le, niftiBytes, tempFolder, voxel, writeNifti } from './test-support.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures');
const tmp = tempFolder();
afterAll(tmp.cleanup);
const as = (format: string) => ({ kind: 'volume', format }) as const;
const decode = (path: string, format: string, limits: Limits = DEFAULT_LIMITS) => decodeVolume(path, as(format), limits);
const file = (name: string, content: string | Buffer) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, content);
  return p;
};

async function reason(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FormatError);
  return (err as FormatError).reason;
}

describe('NIfTI on nibabel test files', () => {
  it('anatomical.nii: big-endian int16', async () => {
    const v = await decode(nibabelFile('anatomical.nii'), 'nifti');
    expect(v.dims).toEqual([33, 41, 25]);
    expect(v.spacing).toEqual([2, 2, 2]);
    expect([voxel(v, 0, 0, 0), voxel(v, 16, 20, 12), voxel(v, 32, 1, 24), voxel(v, 3, 5, 2)]).toEqual([10712, 11881, 9508, 10098]);
    expect(Math.min(...v.data)).toBe(-610);
    expect(Math.max(...v.data)).toBe(30393);
  });

  it('functional.nii: first time point of 4D, scl_slope/scl_inter applied', async () => {
    const v = await decode(nibabelFile('functional.nii'), 'nifti');
    expect(v.dims).toEqual([17, 21, 3]);
    expect(v.spacing).toEqual([4, 4, 8]);
    expect(voxel(v, 0, 0, 0)).toBeCloseTo(4004.137202501297, 2);
    expect(voxel(v, 8, 10, 1)).toBeCloseTo(3865.7654151320457, 2);
    expect(voxel(v, 16, 1, 2)).toBeCloseTo(3767.1331002116203, 2);
    expect(voxel(v, 3, 5, 2)).toBeCloseTo(3629.741603434086, 2);
  });

  it('example4d.nii.gz (gzip) and example_nifti2.nii.gz (NIfTI-2, gzip)', async () => {
    const v = await decode(nibabelFile('example4d.nii.gz'), 'nifti');
    expect(v.dims).toEqual([128, 96, 24]);
    expect(voxel(v, 64, 48, 12)).toBe(265);
    const v2 = await decode(nibabelFile('example_nifti2.nii.gz'), 'nifti');
    expect(v2.dims).toEqual([32, 20, 12]);
    expect(v2.spacing[2]).toBeCloseTo(2.2, 5);
    expect([voxel(v2, 0, 0, 0), voxel(v2, 16, 10, 6), voxel(v2, 31, 1, 11), voxel(v2, 3, 5, 2)]).toEqual([424, 265, 547, 415]);
  });
});

describe('NIfTI pairs', () => {
  it('reads a .hdr + .img pair (magic "ni1") from the same folder', async () => {
    const bytes = niftiBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, -8], { spacing: [0.5, 0.5, 1] });
    const hdr = Buffer.from(bytes.subarray(0, 348));
    hdr.write('ni1\0', 344, 'latin1');
    hdr.writeFloatLE(0, 108);
    file('pair.hdr', hdr);
    file('pair.img', bytes.subarray(352));
    const v = await decode(join(tmp.dir, 'pair.hdr'), 'nifti');
    expect(Array.from(v.data)).toEqual([1, 2, 3, 4, 5, 6, 7, -8]);
    expect(v.spacing).toEqual([0.5, 0.5, 1]);
  });
});

describe('hostile NIfTI', () => {
  it('truncated voxel data', async () => {
    const full = niftiBytes([3, 4, 5], new Array(60).fill(7));
    expect(await reason(decode(file('cut.nii', full.subarray(0, full.length - 10)), 'nifti'))).toBe('truncated voxel data');
    expect(await reason(decode(file('cut.nii.gz', gzipSync(full.subarray(0, 400))), 'nifti'))).toBe('truncated voxel data');
  });

  it('absurd dimensions fail before any allocation', async () => {
    const p = file('huge.nii', niftiBytes([30000, 30000, 30000], [1]));
    expect(await reason(decode(p, 'nifti'))).toMatch(/exceed/);
    expect(await reason(decode(file('neg.nii', niftiBytes([4, -4, 4], [1])), 'nifti'))).toMatch(/invalid dimensions/);
    const budget = file('budget.nii', niftiBytes([2048, 2048, 64], [1]));
    expect(await reason(decode(budget, 'nifti', { ...DEFAULT_LIMITS, maxVoxels: 2 ** 40 }))).toMatch(/512 MiB preview budget/);
  });

  it('a gzip bomb stops at the decompression limit', async () => {
    const bomb = gzipSync(Buffer.concat([niftiBytes([512, 512, 64], []), Buffer.alloc(512 * 512 * 64 * 2)]));
    expect(bomb.length).toBeLessThan(100_000);
    const limits = { ...DEFAULT_LIMITS, maxDecompressedBytes: 8 * 2 ** 20 };
    expect(await reason(decode(file('bomb.nii.gz', bomb), 'nifti', limits))).toBe('decompressed size exceeds the limit');
  });
});

describe('MetaImage', () => {
  it('reads the VTK-written .mha (LOCAL) and .mhd + .zraw (zlib) fixtures as VTK does', async () => {
    const mha = await decode(join(FIXTURES, 'metaimage/short-7x6x5.mha'), 'metaimage');
    expect(mha.dims).toEqual([7, 6, 5]);
    expect(mha.spacing[2]).toBe(3);
    expect([voxel(mha, 0, 0, 0), voxel(mha, 1, 2, 1), voxel(mha, 6, 5, 4)]).toEqual([23744, 868, 868]);
    expect([Math.min(...mha.data), Math.max(...mha.data)]).toEqual([-24561, 32517]);
    const mhd = await decode(join(FIXTURES, 'metaimage/float-9x4.mhd'), 'metaimage');
    expect(mhd.dims).toEqual([9, 4, 1]);
    expect(mhd.spacing).toEqual([1.5, 2, 1]);
    expect(voxel(mhd, 0, 0)).toBeCloseTo(7.886289097451264e34, -30);
    expect(voxel(mhd, 8, 3)).toBeCloseTo(7.112792356842469e-37, 40);
  });

  it('reads big-endian detached raw data and CT modality', async () => {
    const values = [-1000, 0, 40, 1200, 7, 8];
    const be = Buffer.alloc(12);
    values.forEach((x, i) => be.writeInt16BE(x, 2 * i));
    file('be.raw', be);
    const p = file('be.mhd', 'NDims = 3\nDimSize = 3 2 1\nElementSpacing = 0.5 0.5 2\nModality = MET_MOD_CT\nBinaryDataByteOrderMSB = True\nElementType = MET_SHORT\nElementDataFile = be.raw\n');
    const v = await decode(p, 'metaimage');
    expect(Array.from(v.data)).toEqual(values);
    expect(v.modality).toBe('CT');
    expect(v.spacing).toEqual([0.5, 0.5, 2]);
  });

  it('refuses a data file outside the header folder', async () => {
    for (const target of ['../../etc/passwd', '/etc/passwd', 'sub/x.raw', '..']) {
      const p = file('evil.mhd', `NDims = 2\nDimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = ${target}\n`);
      expect(await reason(decode(p, 'metaimage'))).toBe('data file must be in the same folder as the header');
    }
  });

  it('truncated raw data and absurd DimSize', async () => {
    file('short.raw', Buffer.alloc(10));
    expect(await reason(decode(file('short.mhd', 'NDims = 2\nDimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = short.raw\n'), 'metaimage'))).toBe('truncated voxel data');
    expect(await reason(decode(file('huge.mha', 'NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n'), 'metaimage'))).toMatch(/exceed/);
  });
});

describe('NRRD', () => {
  it('reads the fixtures: attached raw with spacings, detached with space directions, gzip RGB', async () => {
    const a = await decode(join(FIXTURES, 'nrrd/ushort-6x5x4.nrrd'), 'nrrd');
    expect(a.dims).toEqual([6, 5, 4]);
    expect(a.spacing).toEqual([0.5, 0.5, 2.5]);
    const d = await decode(join(FIXTURES, 'nrrd/float-dirs.nhdr'), 'nrrd');
    expect(d.dims).toEqual([5, 4, 3]);
    expect(d.spacing.map((s) => Number(s.toFixed(6)))).toEqual([0.7, 0.7, 3]);
    const rgb = await decode(join(FIXTURES, 'nrrd/rgb-8x10-gzip.nrrd'), 'nrrd');
    expect(rgb.dims).toEqual([8, 10, 1]);
  });

  it('decodes raw, gzip, big endian, ascii and detached data to the values written', async () => {
    const values = [-1000, -5, 0, 3, 40, 400, 1000, 30000];
    const head = (extra: string) => `NRRD0004\n# comment\ntype: short\ndimension: 3\nsizes: 2 2 2\nspacings: 1 2 3\nkey:=value\n${extra}\n`;
    const be = Buffer.alloc(16);
    values.forEach((x, i) => be.writeInt16BE(x, 2 * i));
    const cases: [string, Buffer | string][] = [
      ['raw.nrrd', Buffer.concat([Buffer.from(head('endian: little\nencoding: raw\n')), int16le(values)])],
      ['gz.nrrd', Buffer.concat([Buffer.from(head('endian: little\nencoding: gzip\n')), gzipSync(int16le(values))])],
      ['be.nrrd', Buffer.concat([Buffer.from(head('endian: big\nencoding: raw\n')), be])],
      ['txt.nrrd', head('encoding: ascii\n') + values.join(' ') + '\n'],
    ];
    for (const [name, content] of cases) {
      const v = await decode(file(name, content), 'nrrd');
      expect(Array.from(v.data), name).toEqual(values);
      expect(v.spacing).toEqual([1, 2, 3]);
    }
    file('det.raw', Buffer.concat([Buffer.alloc(5), int16le(values)]));
    const det = await decode(file('det.nhdr', head('endian: little\nencoding: raw\nbyte skip: 5\ndata file: det.raw').trimEnd() + '\n'), 'nrrd');
    expect(Array.from(det.data)).toEqual(values);
  });

  it('refuses a detached data file outside the header folder, unknown encodings and truncated data', async () => {
    const base = 'NRRD0004\ntype: uchar\ndimension: 2\nsizes: 4 4\nencoding: raw\n';
    expect(await reason(decode(file('evil.nhdr', `${base}data file: ../../etc/passwd\n`), 'nrrd'))).toBe('data file must be in the same folder as the header');
    expect(await reason(decode(file('bz.nrrd', 'NRRD0004\ntype: uchar\ndimension: 2\nsizes: 4 4\nencoding: bzip2\n\n'), 'nrrd'))).toBe('encoding bzip2 cannot be previewed');
    expect(await reason(decode(file('cut.nrrd', `${base}\n` + 'xxxx'), 'nrrd'))).toBe('truncated voxel data');
    const zlibNotGzip = Buffer.concat([Buffer.from('NRRD0004\ntype: uchar\ndimension: 2\nsizes: 4 4\nencoding: gzip\n\n'), deflateSync(Buffer.alloc(16))]);
    expect(await reason(decode(file('badgz.nrrd', zlibNotGzip), 'nrrd'))).toMatch(/corrupt|truncated/);
  });
});

describe('decodeVolume', () => {
  it('refuses formats that are not volumes', async () => {
    const p = writeNifti(join(tmp.dir, 'x.nii'), [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await reason(decodeVolume(p, { kind: 'image', format: 'png' }))).toBe('not a volume format');
  });
});
