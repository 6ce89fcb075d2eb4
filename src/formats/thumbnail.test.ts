import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { nibabelFile, pydicomFile } from '../../test/third-party.js';
import type { FileMeta } from '../domain/file-meta.js';
import { readFileMeta } from './index.js';
import { tempFolder, writeNifti } from './pixels/test-support.js';
import { hasThumbnail, renderThumbnail } from './thumbnail.js';
import { FormatError } from './types.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const tmp = tempFolder();
afterAll(tmp.cleanup);
const meta = (format: string, kind: FileMeta['kind'] = 'image'): FileMeta => ({ kind, format });

async function check(buf: Buffer, uniformOk = false) {
  expect(buf.toString('latin1', 0, 4)).toBe('RIFF');
  expect(buf.toString('latin1', 8, 12)).toBe('WEBP');
  const m = await sharp(buf).metadata();
  expect(m.format).toBe('webp');
  expect(Math.max(m.width!, m.height!)).toBeLessThanOrEqual(256);
  const stats = await sharp(buf).stats();
  if (!uniformOk) expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(0);
  return { width: m.width!, height: m.height!, stats };
}

describe('renderThumbnail for images', () => {
  const cases: [string, string][] = [
    ['png/gray16.png', 'png'], ['png/palette.png', 'png'], ['png/rgba8.png', 'png'],
    ['jpeg/rgb-baseline.jpg', 'jpeg'], ['jpeg/gray-progressive.jpg', 'jpeg'],
    ['tiff/pages3-gray16.tif', 'tiff'], ['tiff/rgb8-bigendian.tif', 'tiff'],
    ['webp/lossy.webp', 'webp'], ['webp/lossless.webp', 'webp'], ['gif/anim3.gif', 'gif'],
    ['bmp/rgb24.bmp', 'bmp'], ['bmp/palette4.bmp', 'bmp'],
    ['netpbm/gray16.pgm', 'netpbm'], ['netpbm/rgb8.ppm', 'netpbm'], ['netpbm/gray8-ascii.pgm', 'netpbm'],
  ];
  for (const [file, format] of cases) {
    it(`${file} -> WebP`, async () => {
      await check(await renderThumbnail(join(FIXTURES, file), meta(format)));
    });
  }

  it('stretches a 16-bit PNG to the full 8-bit range', async () => {
    const { stats } = await check(await renderThumbnail(join(FIXTURES, 'png/gray16.png'), meta('png')));
    expect(stats.channels[0]!.min).toBeLessThanOrEqual(5);
    expect(stats.channels[0]!.max).toBeGreaterThanOrEqual(250);
  });

  it('shrinks to the requested size, never above 256', async () => {
    const big = join(tmp.dir, 'big.png');
    await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#406080' } }).png().toFile(big);
    expect((await check(await renderThumbnail(big, meta('png')), true)).width).toBe(256);
    expect((await check(await renderThumbnail(big, meta('png'), { size: 100 }), true)).width).toBe(100);
    expect((await check(await renderThumbnail(big, meta('png'), { size: 4000 }), true)).width).toBe(256);
  });

  it('fails fast on a PNG header claiming 100000 x 100000', async () => {
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([len, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(100_000, 0);
    ihdr.writeUInt32BE(100_000, 4);
    ihdr.set([8, 0, 0, 0, 0], 8);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(64)), chunk('IEND', Buffer.alloc(0))]);
    const path = join(tmp.dir, 'huge.png');
    writeFileSync(path, png);
    const t0 = Date.now();
    const err = await renderThumbnail(path, { ...meta('png'), width: 100_000, height: 100_000 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).reason).toBe('image exceeds the pixel limit');
  });

  it('reports undecodable images as FormatError', async () => {
    const err = await renderThumbnail(join(FIXTURES, 'jpeg/gray16-lossless-sof3.jpg'), meta('jpeg')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    const junk = join(tmp.dir, 'junk.png');
    writeFileSync(junk, Buffer.from('\x89PNG\r\n\x1a\nnot really'));
    await expect(renderThumbnail(junk, meta('png'))).rejects.toThrow(FormatError);
  });
});

describe('renderThumbnail for volumes, audio and signals', () => {
  it('DICOM and NIfTI: the middle axial slice, with the aspect from the spacing', async () => {
    await check(await renderThumbnail(pydicomFile('CT_small.dcm'), meta('dicom', 'series-slice')));
    await check(await renderThumbnail(pydicomFile('MR_small_RLE.dcm'), meta('dicom', 'series-slice')));
    await check(await renderThumbnail(pydicomFile('SC_rgb_jpeg_dcmtk.dcm'), meta('dicom')));
    const anat = await check(await renderThumbnail(nibabelFile('anatomical.nii'), meta('nifti', 'volume')));
    expect([anat.width, anat.height]).toEqual([206, 256]); // 33 x 41 voxels of 2 x 2 mm
    const wide = writeNifti(join(tmp.dir, 'wide.nii'), [8, 8, 3], Array.from({ length: 192 }, (_, i) => i), { spacing: [4, 1, 1] });
    const w = await check(await renderThumbnail(wide, meta('nifti', 'volume')));
    expect([w.width, w.height]).toEqual([256, 64]);
  });

  it('MetaImage and NRRD fixtures', async () => {
    await check(await renderThumbnail(join(FIXTURES, 'metaimage/short-7x6x5.mha'), meta('metaimage', 'volume')));
    // The NRRD fixtures hold zeros only: a uniform image is expected.
    await check(await renderThumbnail(join(FIXTURES, 'nrrd/ushort-6x5x4.nrrd'), meta('nrrd', 'volume')), true);
  });

  it('waveforms for WAV, WFDB and EDF', async () => {
    for (const [file, format, kind] of [['wav/stereo16-8k.wav', 'wav', 'audio'], ['wav/3ch24-16k-extensible.wav', 'wav', 'audio'],
      ['wfdb/ecg2.hea', 'wfdb', 'signal'], ['edf/ecg3.edf', 'edf', 'signal']] as const) {
      const t = await check(await renderThumbnail(join(FIXTURES, file), meta(format, kind)));
      expect([t.width, t.height], file).toEqual([256, 128]);
    }
  });

  it('no preview for other kinds, and for DICOM without an image', async () => {
    for (const m of [meta('mp4', 'video'), meta('csv', 'table'), meta('file', 'other'), meta('dicom', 'other')]) {
      expect(hasThumbnail(m)).toBe(false);
      const err = await renderThumbnail('/nonexistent', m).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).reason).toBe('no preview for this kind');
    }
  });

  it('works from the metadata the format registry reads', async () => {
    for (const path of [join(FIXTURES, 'png/rgba8.png'), pydicomFile('CT_small.dcm'), nibabelFile('example4d.nii.gz'), join(FIXTURES, 'wfdb/ecg2.hea')]) {
      await check(await renderThumbnail(path, await readFileMeta(path)));
    }
  });
});
