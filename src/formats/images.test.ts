// 2D image formats. The fixtures in test/fixtures were written by ImageMagick 6.9 and DCMTK
// (see test/fixtures/README.md); expected values are those printed by `identify` and `file` for them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, readFileMeta } from './index.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const fx = (p: string) => join(FIXTURES, p);
const tmp = mkdtempSync(join(tmpdir(), 'medimg-images-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, data: Buffer) => {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
};

describe('image formats on files written by ImageMagick and DCMTK', () => {
  it.each([
    ['png/gray16.png', { format: 'png', width: 32, height: 24, channels: 1, bitDepth: 16 }],
    ['png/rgba8.png', { format: 'png', width: 20, height: 10, channels: 4, bitDepth: 8 }],
    ['png/palette.png', { format: 'png', width: 32, height: 24, channels: 3, bitDepth: 8 }],
    ['jpeg/rgb-baseline.jpg', { format: 'jpeg', width: 40, height: 30, channels: 3, bitDepth: 8 }],
    ['jpeg/gray-progressive.jpg', { format: 'jpeg', width: 40, height: 30, channels: 1, bitDepth: 8 }],
    // The SOF3 (lossless, process 14) stream DCMTK's dcmcjpeg wrote for the 64x64 16-bit MR_small.dcm.
    ['jpeg/gray16-lossless-sof3.jpg', { format: 'jpeg', width: 64, height: 64, channels: 1, bitDepth: 16 }],
    ['bmp/rgb24.bmp', { format: 'bmp', width: 33, height: 17, channels: 3, bitDepth: 8 }],
    ['bmp/palette4.bmp', { format: 'bmp', width: 16, height: 12, channels: 3, bitDepth: 8 }],
    ['tiff/pages3-gray16.tif', { format: 'tiff', width: 24, height: 16, channels: 1, bitDepth: 16, frames: 3 }],
    ['tiff/rgb8-bigendian.tif', { format: 'tiff', width: 24, height: 16, channels: 3, bitDepth: 8 }],
    ['netpbm/gray16.pgm', { format: 'netpbm', width: 21, height: 13, channels: 1, bitDepth: 16 }],
    ['netpbm/gray8-ascii.pgm', { format: 'netpbm', width: 21, height: 13, channels: 1, bitDepth: 8 }],
    ['netpbm/rgb8.ppm', { format: 'netpbm', width: 19, height: 11, channels: 3, bitDepth: 8 }],
    ['netpbm/rgb8-ascii.ppm', { format: 'netpbm', width: 19, height: 11, channels: 3, bitDepth: 8 }],
    ['gif/anim3.gif', { format: 'gif', width: 30, height: 20, frames: 3 }],
    ['webp/lossy.webp', { format: 'webp', width: 30, height: 20, channels: 3 }],
    ['webp/lossless.webp', { format: 'webp', width: 30, height: 20, channels: 3 }],
    ['webp/alpha.webp', { format: 'webp', width: 30, height: 20, channels: 4 }],
    ['webp/anim2.webp', { format: 'webp', width: 30, height: 20, frames: 2 }],
  ])('reads %s', async (file, expected) => {
    expect(await readFileMeta(fx(file))).toMatchObject({ kind: 'image', ...expected });
  });

  it('detects by content whatever the name says', async () => {
    const path = write('actually-a-png.jpg', readFileSync(fx('png/gray16.png')));
    expect(await readFileMeta(path)).toMatchObject({ format: 'png' });
  });
});

/** A PNG signature and IHDR chunk (PNG §11.2.1); the CRC is not checked by the reader. */
function pngHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(45);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b[24] = 8;
  b[25] = 2;
  b.writeUInt32BE(0, 33);
  b.write('IEND', 37, 'latin1');
  return b;
}

describe('image formats, hostile input', () => {
  it('reports a PNG claiming 100000 x 100000 without allocating', async () => {
    const before = process.memoryUsage().arrayBuffers;
    await expect(readFileMeta(write('huge.png', pngHeader(100_000, 100_000)))).rejects.toThrow(/png: dimensions 100000x100000 exceed the limits/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    await expect(readFileMeta(write('zero.png', pngHeader(0, 10)))).rejects.toThrow(/invalid dimensions/);
  });

  it('stops on a TIFF whose IFD chain loops', async () => {
    const tif = Buffer.from(readFileSync(fx('tiff/pages3-gray16.tif')));
    // Point the third page's next-IFD offset back to the first IFD (TIFF 6.0 §2).
    const first = tif.readUInt32LE(4);
    let ifd = first;
    for (let page = 0; page < 2; page++) ifd = tif.readUInt32LE(ifd + 2 + tif.readUInt16LE(ifd) * 12);
    tif.writeUInt32LE(first, ifd + 2 + tif.readUInt16LE(ifd) * 12);
    await expect(readFileMeta(write('loop.tif', tif))).rejects.toThrow(/tiff: IFD loop/);
    const self = Buffer.from(readFileSync(fx('tiff/rgb8-bigendian.tif')));
    const at = self.readUInt32BE(4);
    self.writeUInt32BE(at, at + 2 + self.readUInt16BE(at) * 12);
    await expect(readFileMeta(write('self.tif', self))).rejects.toThrow(/IFD loop/);
  });

  it('rejects a TIFF whose first IFD points past the end', async () => {
    const tif = Buffer.from(readFileSync(fx('tiff/pages3-gray16.tif')));
    tif.writeUInt32LE(0x7fffffff, 4);
    await expect(readFileMeta(write('far.tif', tif))).rejects.toThrow(/truncated/);
  });

  it.each([
    ['png/gray16.png', 20],
    ['jpeg/rgb-baseline.jpg', 100],
    ['bmp/rgb24.bmp', 20],
    ['tiff/pages3-gray16.tif', 12],
    ['netpbm/rgb8.ppm', 5],
    ['gif/anim3.gif', 11],
    ['webp/lossy.webp', 22],
  ])('rejects %s truncated to %i bytes', async (file, length) => {
    const name = file.split('/')[1]!;
    await expect(readFileMeta(write(`cut-${name}`, readFileSync(fx(file)).subarray(0, length)))).rejects.toThrow(FormatError);
  });

  it('rejects absurd netpbm and BMP headers', async () => {
    await expect(readFileMeta(write('big.pgm', Buffer.from('P5\n999999999 2\n255\n')))).rejects.toThrow(/exceed the limits/);
    await expect(readFileMeta(write('maxval.pgm', Buffer.from('P5\n2 2\n70000\n')))).rejects.toThrow(/maxval/);
    const bmp = Buffer.from(readFileSync(fx('bmp/rgb24.bmp')));
    bmp.writeInt32LE(-2_000_000_000, 22);
    await expect(readFileMeta(write('tall.bmp', bmp))).rejects.toThrow(/exceed the limits/);
  });
});
