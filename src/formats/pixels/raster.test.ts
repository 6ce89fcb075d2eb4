// Expected pixels come from Pillow 9.4 (Debian python3-pil): np.asarray(Image.open(f).convert('RGB'))[row, col].
// The embedded BMPs were written by ImageMagick 6.9 (`convert` from a 7x5 red-to-blue gradient with a lime pixel
// at 0,0): bmp4 ARGB 32-bit BI_BITFIELDS, bmp3 1-bit and 4-bit palettes, RGB565 BI_BITFIELDS.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.js';
import { decodeBmp, decodeNetpbm, toDisplay8, type Raster } from './raster.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures');
const fixture = (p: string) => readFileSync(resolve(FIXTURES, p));
const rgb = (r: Raster, row: number, col: number) => Array.from(r.data.subarray((row * r.width + col) * r.channels, (row * r.width + col + 1) * r.channels));
const sum = (r: Raster) => r.data.reduce((a, b) => a + b, 0);

const IMAGEMAGICK: Record<string, string> = {
  argb32: 'Qk0WAQAAAAAAAIoAAAB8AAAABwAAAAUAAAABACAAAwAAAIwAAAAAAAAAAAAAAAAAAAAAAAAAAAD/AAD/AAD/AAAAAAAA/0JHUnMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAA/wAA//8AAP//AAD//wAA//8AAP//AAD//wAA/78AQP+/AED/vwBA/78AQP+/AED/vwBA/78AQP+AAID/gACA/4AAgP+AAID/gACA/4AAgP+AAID/QAC//0AAv/9AAL//QAC//0AAv/9AAL//QAC//wD/AP8AAP//AAD//wAA//8AAP//AAD//wAA//8=',
  mono: 'Qk1SAAAAAAAAAD4AAAAoAAAABwAAAAUAAAABAAEAAAAAABQAAAAAAAAAAAAAAAIAAAACAAAAAAAAAP///wAAAAAAAAAAAAAAAAAAAAAAgAAAAA==',
  pal4: 'Qk2KAAAAAAAAAHYAAAAoAAAABwAAAAUAAAABAAQAAAAAABQAAAAAAAAAAAAAABAAAAAQAAAAAAD/AEAAvwAA/wAAvwBAAP8AAACAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEREREAzMzMwVVVVUBERERAgAAAA',
  rgb565: 'Qk3aAAAAAAAAAIoAAAB8AAAABwAAAAUAAAABABAAAwAAAFAAAAAAAAAAAAAAAAAAAAAAAAAAAPgAAOAHAAAfAAAAAAAAAEJHUnMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAHwAfAB8AHwAfAB8AHwAAABc4FzgXOBc4FzgXOBc4AAAPeA94D3gPeA94D3gPeAAAB7gHuAe4B7gHuAe4B7gAAOAHAPgA+AD4APgA+AD4AAA=',
};

describe('decodeBmp', () => {
  it('24-bit and 4-bit palette fixtures match Pillow', () => {
    const a = decodeBmp(fixture('bmp/rgb24.bmp'));
    expect([a.width, a.height]).toEqual([33, 17]);
    expect([rgb(a, 0, 0), rgb(a, 16, 32), rgb(a, 8, 11)]).toEqual([[255, 0, 0], [0, 0, 255], [128, 0, 128]]);
    expect(sum(a)).toBe(143088);
    const p = decodeBmp(fixture('bmp/palette4.bmp'));
    expect([p.width, p.height]).toEqual([16, 12]);
    expect([rgb(p, 0, 0), rgb(p, 11, 15), rgb(p, 6, 5)]).toEqual([[0, 0, 0], [255, 255, 255], [139, 139, 139]]);
    expect(sum(p)).toBe(73440);
  });

  it('ImageMagick BMPs: 32-bit and RGB565 bit fields, 1-bit and 4-bit palettes', () => {
    const dec = (k: string) => decodeBmp(Buffer.from(IMAGEMAGICK[k]!, 'base64'));
    for (const k of ['argb32', 'pal4']) {
      const r = dec(k);
      expect([rgb(r, 0, 0), rgb(r, 4, 6), rgb(r, 2, 3), sum(r)], k).toEqual([[0, 255, 0], [0, 0, 255], [128, 0, 128], 8932]);
    }
    const r565 = dec('rgb565');
    expect([rgb(r565, 0, 0), rgb(r565, 4, 6), rgb(r565, 2, 3), sum(r565)]).toEqual([[0, 255, 0], [0, 0, 255], [123, 0, 123], 8736]);
    const mono = dec('mono');
    expect([rgb(mono, 0, 0), rgb(mono, 4, 6), sum(mono)]).toEqual([[255, 255, 255], [0, 0, 0], 765]);
  });

  it('refuses truncated, compressed and absurd BMPs', () => {
    const buf = fixture('bmp/rgb24.bmp');
    expect(() => decodeBmp(buf.subarray(0, buf.length - 40))).toThrow(/truncated pixel data/);
    const rle = Buffer.from(buf);
    rle.writeUInt32LE(1, 30);
    expect(() => decodeBmp(rle)).toThrow(/compression 1 cannot be previewed/);
    const huge = Buffer.from(buf);
    huge.writeInt32LE(100000, 18);
    huge.writeInt32LE(100000, 22);
    expect(() => decodeBmp(huge)).toThrow(FormatError);
    expect(() => decodeBmp(huge)).toThrow(/pixel limit/);
  });
});

describe('decodeNetpbm', () => {
  it('binary and ASCII PGM/PPM fixtures match Pillow', () => {
    for (const f of ['netpbm/rgb8-ascii.ppm', 'netpbm/rgb8.ppm']) {
      const c = decodeNetpbm(fixture(f));
      expect([c.width, c.height, c.channels, c.maxval], f).toEqual([19, 11, 3, 255]);
      expect([rgb(c, 0, 0), rgb(c, 10, 18), rgb(c, 5, 6), sum(c)], f).toEqual([[255, 0, 0], [0, 0, 255], [127, 0, 127], 53200]);
    }
    const g = decodeNetpbm(fixture('netpbm/gray8-ascii.pgm'));
    expect([g.width, g.height, g.data[0], g.data[13 * 21 - 1], g.data[6 * 21 + 7], sum(g)]).toEqual([21, 13, 0, 255, 127, 34713]);
  });

  it('agrees with Pillow on gray16.pgm', () => {
    const g = decodeNetpbm(fixture('netpbm/gray16.pgm'));
    expect([g.data[0], g.data[13 * 21 - 1], g.data[6 * 21 + 7], sum(g)]).toEqual([0, 65535, 32768, 8945521]);
  });

  it('refuses truncated and absurd headers', () => {
    const p = fixture('netpbm/rgb8.ppm');
    expect(() => decodeNetpbm(p.subarray(0, p.length - 5))).toThrow(/truncated pixel data/);
    expect(() => decodeNetpbm(Buffer.from('P5\n100000 100000\n255\n'))).toThrow(/pixel limit/);
    expect(() => decodeNetpbm(Buffer.from('P5\n4 4\n70000\n'))).toThrow(/maxval/);
  });
});

describe('toDisplay8', () => {
  it('scales 8-bit by maxval and stretches deep images between percentiles', () => {
    expect(Array.from(toDisplay8([0, 1], 1))).toEqual([0, 255]);
    const deep = Array.from({ length: 1000 }, (_, i) => 1000 + i);
    const out = toDisplay8(deep, 65535);
    expect(out[0]).toBe(0);
    expect(out[999]).toBe(255);
    expect(out[500]).toBeGreaterThan(100);
  });
});
