// Expected pixel values come from pydicom 2.3.1 (the same Debian package as the files) with NumPy 2.4:
//   ds = pydicom.dcmread(f); a = apply_modality_lut(ds.pixel_array, ds)   # RLE decoded by pydicom's numpy handler
//   colour: 0.299 * R + 0.587 * G + 0.114 * B; print(a[y, x]) (a[frame, y, x] for multi-frame)
// run with PYTHONPATH=test/.cache/third-party/usr/lib/python3/dist-packages, not from this decoder.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../../../test/third-party.js';
import { DEFAULT_LIMITS, FormatError } from '../types.js';
import { decodeVolume } from './index.js';
import { tempFolder, voxel } from './test-support.js';
import type { Volume } from './volume.js';

const tmp = tempFolder();
afterAll(tmp.cleanup);
const DICOM = { kind: 'image', format: 'dicom' } as const;
const decode = (path: string, limits = DEFAULT_LIMITS) => decodeVolume(path, DICOM, limits);

async function reason(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FormatError);
  return (err as FormatError).reason;
}

function minMax(v: Volume): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v.data) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
  return [lo, hi];
}

describe('decodeVolume on pydicom test files', () => {
  it('CT_small.dcm: explicit VR LE, int16, rescaled to HU (slope 1, intercept -1024)', async () => {
    const v = await decode(pydicomFile('CT_small.dcm'));
    expect(v.dims).toEqual([128, 128, 1]);
    expect(v.spacing).toEqual([0.661468, 0.661468, 5]);
    expect(v.modality).toBe('CT');
    expect([voxel(v, 0, 0), voxel(v, 10, 20), voxel(v, 64, 64), voxel(v, 127, 5)]).toEqual([-849, -690, 904, -797]);
    expect(minMax(v)).toEqual([-896, 1167]);
  });

  it('MR_small in every native syntax and in RLE decodes to the same pixels', async () => {
    const files = ['MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_expb.dcm', 'MR_small_RLE.dcm'];
    const vols = await Promise.all(files.map((f) => decode(pydicomFile(f))));
    for (const v of vols) {
      expect(v.dims).toEqual([64, 64, 1]);
      expect([voxel(v, 0, 0), voxel(v, 10, 20), voxel(v, 32, 32), voxel(v, 63, 5)]).toEqual([905, 228, 182, 292]);
      expect(minMax(v)).toEqual([127, 2145]);
      expect(v.window).toEqual({ center: 600, width: 1600 });
      expect(v.data).toEqual(vols[0]!.data);
    }
  });

  it('RGB RLE (3 segments) to luma, single and multi-frame', async () => {
    const v = await decode(pydicomFile('SC_rgb_rle.dcm'));
    expect(v.dims).toEqual([100, 100, 1]);
    expect(voxel(v, 0, 0)).toBeCloseTo(76.245, 3);
    expect(voxel(v, 50, 50)).toBeCloseTo(142.478, 3);
    expect(voxel(v, 99, 99)).toBeCloseTo(255, 3);
    expect(voxel(v, 10, 90)).toBeCloseTo(255, 3);
    const two = await decode(pydicomFile('SC_rgb_rle_2frame.dcm'));
    expect(two.dims).toEqual([100, 100, 2]);
    expect(voxel(two, 0, 0, 1)).toBeCloseTo(178.755, 3);
    expect(voxel(two, 50, 50, 1)).toBeCloseTo(112.522, 3);
    expect(voxel(two, 99, 99, 1)).toBeCloseTo(0, 3);
    const wide = await decode(pydicomFile('SC_rgb_rle_16bit.dcm'));
    expect(voxel(wide, 0, 0)).toBeCloseTo(19594.965, 1);
    expect(voxel(wide, 50, 50)).toBeCloseTo(36616.846, 1);
  });

  it('multi-frame 32-bit RT dose, native (implicit VR) and RLE', async () => {
    const v = await decode(pydicomFile('rtdose.dcm'));
    expect(v.dims).toEqual([10, 10, 15]);
    expect(v.spacing.slice(0, 2)).toEqual([10, 10]);
    expect([voxel(v, 0, 0, 0), voxel(v, 5, 5, 0), voxel(v, 9, 2, 0)]).toEqual([1249000, 978000, 1140000]);
    expect([voxel(v, 0, 0, 7), voxel(v, 5, 5, 7), voxel(v, 9, 2, 7)]).toEqual([1253000, 975000, 1142000]);
    const rle = await decode(pydicomFile('rtdose_rle.dcm'));
    expect(rle.data).toEqual(v.data);
  });

  it('deflated explicit VR little endian (image_dfl.dcm)', async () => {
    const v = await decode(pydicomFile('image_dfl.dcm'));
    expect(v.dims).toEqual([512, 512, 1]);
    expect([voxel(v, 0, 0), voxel(v, 10, 20)]).toEqual([213, 255]);
    expect(v.data.reduce((a, b) => a + b, 0) / v.data.length).toBeCloseTo(127.115966796875, 6);
  });

  it('1-bit segmentation (liver_1frame.dcm): 36233 set pixels, the first at row 145, column 254', async () => {
    const v = await decode(pydicomFile('liver_1frame.dcm'));
    expect(v.data.reduce((a, b) => a + b, 0)).toBe(36233);
    expect(v.data.findIndex((x) => x === 1)).toBe(145 * 512 + 254);
  });

  // JPEG references: pydicom 2.3.1 with Pillow 9.4 (Debian python3-pil, system Python), which decodes RGB
  // JPEGs without a colour transform as DICOM's PhotometricInterpretation says; for YBR_FULL, pydicom returns
  // the Y component, which we compare with our luma of the decoded RGB.
  it('JPEG baseline, RGB without colour transform (SC_rgb_jpeg.dcm, SC_jpeg_no_color_transform.dcm)', async () => {
    for (const f of ['SC_rgb_jpeg.dcm', 'SC_jpeg_no_color_transform.dcm']) {
      const v = await decode(pydicomFile(f));
      expect(v.dims).toEqual([256, 256, 1]);
      expect([voxel(v, 0, 0), voxel(v, 10, 20), voxel(v, 128, 128)].map((x) => Math.round(x))).toEqual([244, 244, 244]);
      expect(v.data.reduce((a, b) => a + b, 0) / v.data.length).toBeCloseTo(243.9746, 2);
    }
  });

  it('JPEG baseline, YBR_FULL (SC_rgb_jpeg_dcmtk.dcm), and close to the lossless RLE copy of the image', async () => {
    const jpeg = await decode(pydicomFile('SC_rgb_jpeg_dcmtk.dcm'));
    expect(jpeg.dims).toEqual([100, 100, 1]);
    const y = [voxel(jpeg, 0, 0), voxel(jpeg, 10, 20), voxel(jpeg, 50, 50), voxel(jpeg, 99, 99)];
    [76, 149, 143, 255].forEach((want, i) => expect(Math.abs(y[i]! - want)).toBeLessThan(1));
    expect(jpeg.data.reduce((a, b) => a + b, 0) / jpeg.data.length).toBeCloseTo(127.69, 0);
    const rle = await decode(pydicomFile('SC_rgb_rle.dcm'));
    let diff = 0;
    for (let i = 0; i < jpeg.data.length; i++) diff += Math.abs(jpeg.data[i]! - rle.data[i]!);
    expect(diff / jpeg.data.length).toBeLessThan(3);
  });

  // The codecs and their exact comparisons are tested in dicom-codecs.test.ts; here, through decodeVolume.
  it('decodes JPEG-LS, JPEG 2000 and 12-bit JPEG extended, which it once named as not previewable', async () => {
    const mr = await decode(pydicomFile('MR_small.dcm'));
    expect((await decode(pydicomFile('MR_small_jpeg_ls_lossless.dcm'))).data).toEqual(mr.data);
    expect((await decode(pydicomFile('JPEG2000.dcm'))).dims).toEqual([256, 1024, 1]);
    const ext = await decode(pydicomFile('JPGExtended.dcm'));
    expect(ext.dims).toEqual([256, 1024, 1]);
    expect(minMax(ext)).toEqual([0, 264]);
  });

  it('refuses files without an image', async () => {
    expect(await reason(decode(pydicomFile('rtplan.dcm')))).toBe('no image in this file');
  });
});

describe('hostile DICOM', () => {
  it('truncated pixel data: a real truncated file, and CT_small cut short', async () => {
    expect(await reason(decode(pydicomFile('MR_truncated.dcm')))).toBe('truncated pixel data');
    const cut = join(tmp.dir, 'ct-cut.dcm');
    const buf = readFileSync(pydicomFile('CT_small.dcm'));
    writeFileSync(cut, buf.subarray(0, buf.length - 1000));
    expect(await reason(decode(cut))).toMatch(/truncated/);
  });

  it('a truncated compressed file (JPEG-LS, JPEG 2000, 12-bit JPEG, JPEG lossless)', async () => {
    for (const f of ['MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm', 'JPGExtended.dcm', 'SC_rgb_jpeg_gdcm.dcm', 'JPEG2000.dcm']) {
      const buf = readFileSync(pydicomFile(f));
      const cut = join(tmp.dir, `cut-${f}`);
      writeFileSync(cut, buf.subarray(0, buf.length - 200));
      expect(await reason(decode(cut)), f).toBe('truncated pixel data');
    }
  });

  it('truncated RLE fragment', async () => {
    const cut = join(tmp.dir, 'rle-cut.dcm');
    const buf = readFileSync(pydicomFile('MR_small_RLE.dcm'));
    writeFileSync(cut, buf.subarray(0, buf.length - 2000));
    expect(await reason(decode(cut))).toMatch(/truncated/);
  });

  it('corrupt RLE segment offsets', async () => {
    const bad = join(tmp.dir, 'rle-bad.dcm');
    const buf = Buffer.from(readFileSync(pydicomFile('MR_small_RLE.dcm')));
    // Pixel Data (7FE0,0010) OB, undefined length; then the Basic Offset Table item, then the frame's fragment,
    // which starts with the RLE header: set segment 2's offset past the end of the fragment.
    const pixel = buf.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42]));
    expect(pixel).toBeGreaterThan(0);
    const bot = pixel + 12;
    const fragment = bot + 8 + buf.readUInt32LE(bot + 4);
    expect(buf.readUInt32LE(fragment + 8)).toBe(2); // two segments: MSB and LSB of 16-bit samples
    buf.writeUInt32LE(0x7fffffff, fragment + 8 + 8);
    writeFileSync(bad, buf);
    expect(await reason(decode(bad))).toBe('invalid RLE segment offset');
  });

  it('absurd Rows and Columns fail before reading pixel data', async () => {
    const buf = Buffer.from(readFileSync(pydicomFile('CT_small.dcm')));
    for (const element of [0x10, 0x11]) {
      // (0028,0010) Rows / (0028,0011) Columns, explicit VR "US", length 2.
      const at = buf.indexOf(Buffer.from([0x28, 0x00, element, 0x00, 0x55, 0x53, 0x02, 0x00]));
      expect(at).toBeGreaterThan(0);
      buf.writeUInt16LE(65535, at + 8);
    }
    const huge = join(tmp.dir, 'huge.dcm');
    writeFileSync(huge, buf);
    expect(await reason(decode(huge, { ...DEFAULT_LIMITS, maxVoxels: 2 ** 40 }))).toMatch(/65535x65535x1 exceeds the 512 MiB preview budget/);
    expect(await reason(decode(huge))).toBe('dimensions 65535x65535x1 exceed the limits');
  });

  it('checks the voxel limits before allocating', async () => {
    expect(await reason(decode(pydicomFile('CT_small.dcm'), { ...DEFAULT_LIMITS, maxVoxels: 1000 }))).toBe('dimensions 128x128x1 exceed the limits');
  });

  it('returns only pixel values and technical attributes', async () => {
    const v = await decode(pydicomFile('MR_small.dcm'));
    expect(Object.keys(v).sort()).toEqual(['data', 'dims', 'modality', 'spacing', 'window']);
  });
});
