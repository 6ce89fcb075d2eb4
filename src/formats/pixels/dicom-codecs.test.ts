// The compressed transfer syntaxes decoded through dicom-codecs.ts, on real files written by other software:
// pydicom's test files (Debian python3-pydicom 2.3.1; the lossless ones are compared with the uncompressed
// MR_small.dcm / the RLE copy of SC_rgb shipped beside them) and the JPEG lossless files that ship with
// jpeg-lossless-decoder-js (tests/data, with the CRC-32 of the decoded samples its own tests expect).
// HTJ2K and colour JPEG-LS have no real file at hand: MR_small's and SC_rgb's samples are encoded by OpenJPH's
// and CharLS's own encoders (from the same npm packages) and wrapped in DICOM here.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../../../test/third-party.js';
import { readFileMeta } from '../index.js';
import { renderThumbnail } from '../thumbnail.js';
import { DEFAULT_LIMITS, FormatError } from '../types.js';
import { decodeDicom } from './dicom.js';
import { HeaderParser, preambleEnd, syntaxOf } from './dicom-header.js';
import { decodeRleFrame, encapsulatedFragments } from './dicom-rle.js';
import { tempFolder, voxel } from './test-support.js';
import type { Volume } from './volume.js';

const require = createRequire(import.meta.url);
const LOSSLESS_DIR = join(require.resolve('jpeg-lossless-decoder-js/package.json'), '../tests/data');
const tmp = tempFolder();
afterAll(tmp.cleanup);
const decode = (path: string, limits = DEFAULT_LIMITS) => decodeDicom(path, limits);

async function reason(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FormatError);
  return (err as FormatError).reason;
}

const minMax = (v: Volume) => v.data.reduce<[number, number]>(([lo, hi], x) => [Math.min(lo, x), Math.max(hi, x)], [Infinity, -Infinity]);
function meanAbsDiff(a: Volume, b: Volume): number {
  expect(a.data.length).toBe(b.data.length);
  return a.data.reduce((sum, x, i) => sum + Math.abs(x - b.data[i]!), 0) / a.data.length;
}

/** CRC-32 of frame `z` as little-endian samples of `bytes` bytes, as jpeg-lossless-decoder-js's tests compute it. */
function frameCrc(v: Volume, z: number, bytes: 1 | 2): number {
  const n = v.dims[0] * v.dims[1];
  const frame = v.data.subarray(z * n, (z + 1) * n);
  return crc32(bytes === 1 ? Uint8Array.from(frame) : Buffer.from(Int16Array.from(frame).buffer));
}

/** The codestream of a real single-frame file (its fragments joined). */
function codestream(file: string): Buffer {
  const buf = readFileSync(file);
  const p = new HeaderParser(buf, true);
  const start = p.meta(preambleEnd(buf));
  const enc = buf.subarray(p.dataset(start, syntaxOf(p.attrs.TransferSyntaxUID, buf, start)).pixelOffset);
  const { fragments } = encapsulatedFragments(enc);
  return Buffer.concat(fragments.map((f) => enc.subarray(f.offset, f.offset + f.length)));
}

interface Image { ts: string; rows: number; cols: number; frames?: number; signed?: boolean; bits?: number; spp?: number; photometric?: string }

/** A minimal Part 10 file (PS3.10 §7.1; explicit VR little endian data set) with encapsulated pixel data. */
function writeDicom(name: string, img: Image, fragments: Buffer[], bot: number[] = []): string {
  const us = (...n: number[]) => Buffer.from(Uint16Array.from(n).buffer);
  const el = (group: number, elem: number, vr: string, value: Buffer) => {
    const v = value.length % 2 ? Buffer.concat([value, Buffer.from(vr === 'UI' ? [0] : [0x20])]) : value;
    return Buffer.concat([us(group, elem), Buffer.from(vr), us(v.length), v]);
  };
  const item = (tag: number, body: Buffer) => Buffer.concat([us(0xfffe, tag), Buffer.from(Uint32Array.of(body.length).buffer), body]);
  const pixel = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  const bits = img.bits ?? 16;
  const file = Buffer.concat([
    Buffer.alloc(128), Buffer.from('DICM'), el(2, 0x10, 'UI', Buffer.from(img.ts)),
    el(0x28, 2, 'US', us(img.spp ?? 1)), el(0x28, 4, 'CS', Buffer.from(img.photometric ?? 'MONOCHROME2')), el(0x28, 8, 'IS', Buffer.from(String(img.frames ?? 1))),
    el(0x28, 0x10, 'US', us(img.rows)), el(0x28, 0x11, 'US', us(img.cols)), el(0x28, 0x100, 'US', us(bits)),
    el(0x28, 0x101, 'US', us(bits)), el(0x28, 0x103, 'US', us(img.signed ? 1 : 0)),
    pixel, item(0xe000, Buffer.from(Uint32Array.from(bot).buffer)), ...fragments.map((f) => item(0xe000, f)), item(0xe0dd, Buffer.alloc(0)),
  ]);
  const path = join(tmp.dir, name);
  writeFileSync(path, file);
  return path;
}

const MR = { rows: 64, cols: 64, signed: true };
const JPEG_LS = '1.2.840.10008.1.2.4.80';
let mr: Volume;
let htj2k: Buffer;
let htj2kRgb: Buffer;
let rgbPlanar: Buffer;
let rgbInterleaved: Uint8Array;
interface Encoder {
  getDecodedBuffer(info: object): Uint8Array; setQuality(lossless: boolean, step: number): void; setInterleaveMode(mode: number): void;
  encode(): void; getEncodedBuffer(): Uint8Array; delete(): void;
}
/** Encodes with the encoder of a codec package (OpenJPH's HTJ2KEncoder, CharLS's JpegLSEncoder). */
async function encoder(js: string, wasm: string, cls: string) {
  const factory = require(js) as (o: object) => Promise<Record<string, new () => Encoder>>;
  const m = await factory({ wasmBinary: readFileSync(require.resolve(wasm)), print: () => {}, printErr: () => {} });
  return (info: object, samples: Uint8Array, setup: (e: Encoder) => void): Buffer => {
    const enc = new m[cls]!();
    enc.getDecodedBuffer(info).set(samples);
    setup(enc);
    enc.encode();
    const out = Buffer.from(enc.getEncodedBuffer());
    enc.delete();
    return out;
  };
}

beforeAll(async () => {
  mr = await decode(pydicomFile('MR_small.dcm'));
  // Reversible HTJ2K of MR_small's stored values, and of SC_rgb's RGB samples (taken from its RLE copy).
  const ht = await encoder('@cornerstonejs/codec-openjph', '@cornerstonejs/codec-openjph/wasm', 'HTJ2KEncoder');
  const info = (size: number, bits: number, components: number) => ({
    width: size, height: size, bitsPerSample: bits, componentCount: components, isSigned: bits === 16, isUsingColorTransform: components === 3,
  });
  htj2k = ht(info(64, 16, 1), new Uint8Array(Int16Array.from(mr.data).buffer), (e) => e.setQuality(true, 0));
  rgbPlanar = decodeRleFrame(codestream(pydicomFile('SC_rgb_rle.dcm')), 10000, 3, 8);
  rgbInterleaved = Uint8Array.from({ length: 30000 }, (_, k) => rgbPlanar[(k % 3) * 10000 + Math.floor(k / 3)]!);
  htj2kRgb = ht(info(100, 8, 3), rgbInterleaved, (e) => e.setQuality(true, 0));
});

describe('lossless syntaxes decode to exactly the uncompressed pixels', () => {
  it('MR_small as JPEG-LS (.80) and JPEG 2000 lossless (.90) equals MR_small.dcm', async () => {
    for (const f of ['MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm']) {
      const v = await decode(pydicomFile(f));
      expect(v.dims, f).toEqual([64, 64, 1]);
      expect(v.data, f).toEqual(mr.data);
      expect(v.window, f).toEqual({ center: 600, width: 1600 });
    }
  });

  it('HTJ2K (.201-.203): MR_small encoded by OpenJPH, single and three frames, and SC_rgb in colour', async () => {
    const one = await decode(writeDicom('ht.dcm', { ts: '1.2.840.10008.1.2.4.201', ...MR }, [htj2k]));
    expect(one.data).toEqual(mr.data);
    const three = await decode(writeDicom('ht3.dcm', { ts: '1.2.840.10008.1.2.4.203', ...MR, frames: 3 }, [htj2k, htj2k, htj2k]));
    expect(three.dims).toEqual([64, 64, 3]);
    for (let z = 0; z < 3; z++) expect(three.data.subarray(z * 4096, (z + 1) * 4096)).toEqual(mr.data);
    const rgb = await decode(writeDicom('ht-rgb.dcm', { ts: '1.2.840.10008.1.2.4.202', rows: 100, cols: 100, bits: 8, spp: 3, photometric: 'RGB' }, [htj2kRgb]));
    expect(rgb.data).toEqual((await decode(pydicomFile('SC_rgb_rle.dcm'))).data);
  });

  it('JPEG-LS colour in each interleave mode (SC_rgb encoded by CharLS) equals the RLE copy', async () => {
    const ls = await encoder('@cornerstonejs/codec-charls/wasmjs', '@cornerstonejs/codec-charls/wasm', 'JpegLSEncoder');
    const rle = await decode(pydicomFile('SC_rgb_rle.dcm'));
    for (const mode of [0, 1, 2]) { // none (plane by plane), line, sample
      const stream = ls({ width: 100, height: 100, bitsPerSample: 8, componentCount: 3 }, mode === 0 ? rgbPlanar : rgbInterleaved, (e) => e.setInterleaveMode(mode));
      const v = await decode(writeDicom(`ls-rgb-${mode}.dcm`, { ts: JPEG_LS, rows: 100, cols: 100, bits: 8, spp: 3, photometric: 'RGB' }, [stream]));
      expect(v.data, `interleave mode ${mode}`).toEqual(rle.data);
    }
  });

  it('JPEG lossless SV1 (.70), RGB, written by GDCM (SC_rgb_jpeg_gdcm.dcm) equals the RLE copy of the image', async () => {
    const v = await decode(pydicomFile('SC_rgb_jpeg_gdcm.dcm'));
    const rle = await decode(pydicomFile('SC_rgb_rle.dcm'));
    expect(v.data).toEqual(rle.data);
  });

  it('JPEG lossless (.57) with each of the predictors 1-7: the samples the decoder package\'s own tests expect', async () => {
    for (let sel = 1; sel <= 7; sel++) {
      const v = await decode(join(LOSSLESS_DIR, `jpeg_lossless_sel${sel}.dcm`));
      expect(v.dims).toEqual([256, 256, 1]);
      expect(frameCrc(v, 0, 2), `sel${sel}`).toBe(3476557349);
    }
  });

  it('multi-frame JPEG lossless (.70, 12 frames of 512x512, 8-bit): every frame', async () => {
    const v = await decode(join(LOSSLESS_DIR, 'jpeg_lossless_sel1-8bit.dcm'));
    expect(v.dims).toEqual([512, 512, 12]);
    expect(frameCrc(v, 0, 1)).toBe(2307286885);
    const crcs = new Set(Array.from({ length: 12 }, (_, z) => frameCrc(v, z, 1)));
    expect(crcs.size).toBe(12); // twelve different slices, not the first one repeated
  });

  it('JPEG 2000 with an unsigned 13-bit codestream in a signed data set (J2K_pixelrep_mismatch.dcm), as pydicom reads it', async () => {
    // Expected values from pydicom 2.3.1's own test_pixel_rep_mismatch (tests/test_pillow_pixel_data.py).
    const v = await decode(pydicomFile('J2K_pixelrep_mismatch.dcm'));
    expect(voxel(v, 0, 0)).toBe(-2000);
    expect(Array.from({ length: 10 }, (_, i) => voxel(v, 279, 47 + i))).toEqual([621, 412, 138, -193, -520, -767, -907, -966, -988, -995]);
    expect(Array.from({ length: 10 }, (_, i) => voxel(v, 106, 328 + i))).toEqual([-377, -121, 141, 383, 633, 910, 1198, 1455, 1638, 1732]);
  });
});

describe('lossy syntaxes are close to a reference', () => {
  it('JPEG extended 12-bit (.51, JPGExtended.dcm and JPEG-lossy.dcm) and JPEG 2000 (.91, JPEG2000.dcm): the same NM1 bone scan', async () => {
    // Both are WG04's NM1 image (pydicom's README): compressed by different codecs, they must agree closely.
    const ext = await decode(pydicomFile('JPGExtended.dcm'));
    const j2k = await decode(pydicomFile('JPEG2000.dcm'));
    expect(ext.dims).toEqual([256, 1024, 1]);
    expect(j2k.dims).toEqual([256, 1024, 1]);
    expect(minMax(ext)).toEqual([0, 264]); // 12-bit samples, not clipped to 8 bits
    expect(meanAbsDiff(ext, j2k)).toBeLessThan(5); // JPEG2000.dcm holds the image in 250 bytes
    expect((await decode(pydicomFile('JPEG-lossy.dcm'))).data).toEqual(ext.data);
  });

  it('JPEG 2000 RGB (.91, SC_rgb_gdcm_KY.dcm) against the RLE copy of the image', async () => {
    const v = await decode(pydicomFile('SC_rgb_gdcm_KY.dcm'));
    expect(meanAbsDiff(v, await decode(pydicomFile('SC_rgb_rle.dcm')))).toBeLessThan(1);
  });

  it('JPEG 2000 lossless in a JP2 wrapper with YBR_RCT (GDCMJ2K_TextGBR.dcm) and signed 14-bit lossy (693_J2KI.dcm)', async () => {
    // "red green blue" in pure (255, 0, 0), (0, 255, 0), (0, 0, 255) on grey 128: after the inverse RCT, the
    // four commonest luma values are grey, then 0.587 * 255, 0.114 * 255 and 0.299 * 255.
    const rct = await decode(pydicomFile('GDCMJ2K_TextGBR.dcm'));
    expect(rct.dims).toEqual([400, 400, 1]);
    const counts = new Map<number, number>();
    for (const x of rct.data) counts.set(x, (counts.get(x) ?? 0) + 1);
    const common = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([x]) => x);
    [128, 149.685, 29.07, 76.245].forEach((want, i) => expect(common[i]).toBeCloseTo(want, 3));
    const ct = await decode(pydicomFile('693_J2KI.dcm'));
    expect(ct.dims).toEqual([512, 512, 1]);
    expect(minMax(ct)[0]).toBeLessThan(-1000); // air in HU: the signed samples kept their sign
  });
});

describe('frames and fragments', () => {
  it('splits frames by the Basic Offset Table, or by end-of-image markers across several fragments', async () => {
    const ls = codestream(pydicomFile('MR_small_jpeg_ls_lossless.dcm'));
    const cut = 1000; // one frame in two fragments of even length
    const parts = [ls.subarray(0, cut), ls.subarray(cut)];
    const noBot = await decode(writeDicom('ls3.dcm', { ts: JPEG_LS, ...MR, frames: 3 }, [...parts, ...parts, ...parts]));
    const step = ls.length + 16;
    const withBot = await decode(writeDicom('ls3bot.dcm', { ts: JPEG_LS, ...MR, frames: 3 }, [...parts, ...parts, ...parts], [0, step, 2 * step]));
    for (const v of [noBot, withBot]) {
      expect(v.dims).toEqual([64, 64, 3]);
      for (let z = 0; z < 3; z++) expect(v.data.subarray(z * 4096, (z + 1) * 4096)).toEqual(mr.data);
    }
  });

  it('decodes every frame of multi-frame 8-bit JPEG (.50 and .51) through sharp', async () => {
    const one = await decode(pydicomFile('SC_rgb_jpeg_dcmtk.dcm'));
    const jpeg = codestream(pydicomFile('SC_rgb_jpeg_dcmtk.dcm'));
    const colour = { rows: 100, cols: 100, bits: 8, spp: 3, photometric: 'YBR_FULL', frames: 2 };
    for (const ts of ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']) {
      const two = await decode(writeDicom(`jpeg2-${ts}.dcm`, { ts, ...colour }, [jpeg, jpeg]));
      expect(two.dims).toEqual([100, 100, 2]);
      expect(two.data.subarray(0, 10000)).toEqual(one.data);
      expect(two.data.subarray(10000)).toEqual(one.data);
    }
  });

  it('refuses a frame count the fragments cannot match', async () => {
    const ls = codestream(pydicomFile('MR_small_jpeg_ls_lossless.dcm'));
    expect(await reason(decode(writeDicom('ls-miss.dcm', { ts: JPEG_LS, ...MR, frames: 3 }, [ls, ls])))).toBe('cannot split 2 fragments into 3 frames');
  });
});

describe('hostile compressed files', () => {
  it('a codestream cut short inside a complete item is a FormatError, for every codec', async () => {
    const cases: [string, Image, Buffer][] = [
      ['JPEG-LS', { ts: JPEG_LS, ...MR }, codestream(pydicomFile('MR_small_jpeg_ls_lossless.dcm'))],
      ['JPEG 2000', { ts: '1.2.840.10008.1.2.4.90', ...MR }, codestream(pydicomFile('MR_small_jp2klossless.dcm'))],
      ['HTJ2K', { ts: '1.2.840.10008.1.2.4.201', ...MR }, htj2k],
      ['JPEG extended', { ts: '1.2.840.10008.1.2.4.51', rows: 1024, cols: 256, bits: 16 }, codestream(pydicomFile('JPGExtended.dcm'))],
      ['JPEG lossless', { ts: '1.2.840.10008.1.2.4.57', rows: 256, cols: 256, signed: true }, codestream(join(LOSSLESS_DIR, 'jpeg_lossless_sel1.dcm'))],
    ];
    for (const [codec, img, stream] of cases) {
      const half = stream.subarray(0, stream.length >> 1 & ~1);
      expect(await reason(decode(writeDicom(`half-${img.ts}.dcm`, img, [half]))), codec).toBe(`truncated ${codec} frame`);
    }
  });

  it('garbage inside a codestream gives a FormatError or an image, never a crash, and the codec still works after', async () => {
    for (const [ts, file] of [[JPEG_LS, 'MR_small_jpeg_ls_lossless.dcm'], ['1.2.840.10008.1.2.4.90', 'MR_small_jp2klossless.dcm']] as const) {
      const stream = Buffer.from(codestream(pydicomFile(file)));
      for (let i = 200; i < stream.length - 100; i += 7) stream[i] = 0xff;
      const got = await decode(writeDicom(`garbage-${ts}.dcm`, { ts, ...MR }, [stream])).then((v) => v.dims, (e: unknown) => e);
      if (got instanceof Error) expect(got).toBeInstanceOf(FormatError);
      else expect(got).toEqual([64, 64, 1]);
      expect((await decode(pydicomFile(file))).data).toEqual(mr.data);
    }
    expect(await reason(decode(pydicomFile('JPEG2000-embedded-sequence-delimiter.dcm')))).toMatch(/^JPEG 2000 frame is \d+x1024, not Columns x Rows/);
  });

  it('randomly damaged codestreams (seeded) give an image or a FormatError from every codec, never anything else', async () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const cases: [Image, Buffer][] = [
      [{ ts: JPEG_LS, ...MR }, codestream(pydicomFile('MR_small_jpeg_ls_lossless.dcm'))],
      [{ ts: '1.2.840.10008.1.2.4.90', ...MR }, codestream(pydicomFile('MR_small_jp2klossless.dcm'))],
      [{ ts: '1.2.840.10008.1.2.4.201', ...MR }, htj2k],
      [{ ts: '1.2.840.10008.1.2.4.51', rows: 1024, cols: 256, bits: 16 }, codestream(pydicomFile('JPGExtended.dcm'))],
      [{ ts: '1.2.840.10008.1.2.4.57', rows: 256, cols: 256, signed: true }, codestream(join(LOSSLESS_DIR, 'jpeg_lossless_sel1.dcm'))],
    ];
    const outcomes = new Set<string>();
    for (const [img, good] of cases) {
      for (let i = 0; i < 12; i++) {
        const bad = Buffer.from(good);
        for (let k = 0; k < 1 + random() * 20; k++) bad[Math.floor(random() * (bad.length - 2))] = Math.floor(random() * 256);
        const got = await decode(writeDicom('fuzz.dcm', img, [bad])).then(() => 'image', (e: unknown) => e);
        if (got !== 'image') expect(got).toBeInstanceOf(FormatError);
        outcomes.add(got === 'image' ? 'image' : 'error');
      }
      expect((await decode(writeDicom('fuzz-good.dcm', img, [good]))).dims[0]).toBe(img.cols);
    }
    expect(outcomes).toEqual(new Set(['image', 'error']));
  });

  it('a codestream whose size differs from Rows x Columns is refused before decoding', async () => {
    const ls = codestream(pydicomFile('MR_small_jpeg_ls_lossless.dcm'));
    expect(await reason(decode(writeDicom('ls-size.dcm', { ts: JPEG_LS, rows: 4000, cols: 4000, signed: true }, [ls]))))
      .toBe('JPEG-LS frame is 64x64, not Columns x Rows (4000x4000)');
  });

  it('checks the decoded size against maxDecompressedBytes before any codec runs', async () => {
    const limits = { ...DEFAULT_LIMITS, maxDecompressedBytes: 64 * 64 * 2 - 1 };
    expect(await reason(decode(pydicomFile('MR_small_jp2klossless.dcm'), limits))).toBe('decoded pixel data would exceed the limit');
    expect((await decode(pydicomFile('MR_small_jp2klossless.dcm'), { ...limits, maxDecompressedBytes: 64 * 64 * 2 })).data).toEqual(mr.data);
  });

  it('names the transfer syntaxes it still cannot preview', async () => {
    const mpeg = writeDicom('mpeg2.dcm', { ts: '1.2.840.10008.1.2.4.100', ...MR }, [Buffer.alloc(16)]);
    expect(await reason(decode(mpeg))).toBe('transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 video) cannot be previewed yet');
    const jxl = writeDicom('jxl.dcm', { ts: '1.2.840.10008.1.2.4.110', ...MR }, [Buffer.alloc(16)]);
    expect(await reason(decode(jxl))).toBe('transfer syntax 1.2.840.10008.1.2.4.110 (JPEG XL) cannot be previewed yet');
  });
});

describe('thumbnails through the format registry', () => {
  it('renders every compressed syntax, the middle frame of a multi-frame file', async () => {
    const files = [
      pydicomFile('MR_small_jpeg_ls_lossless.dcm'), pydicomFile('MR_small_jp2klossless.dcm'), pydicomFile('JPEG2000.dcm'),
      pydicomFile('JPGExtended.dcm'), pydicomFile('SC_rgb_jpeg_gdcm.dcm'), join(LOSSLESS_DIR, 'jpeg_lossless_sel1-8bit.dcm'),
      writeDicom('ht-thumb.dcm', { ts: '1.2.840.10008.1.2.4.202', ...MR }, [htj2k]),
    ];
    for (const path of files) {
      const webp = await renderThumbnail(path, await readFileMeta(path));
      const img = sharp(webp);
      const { format, width, height } = await img.metadata();
      expect(format, path).toBe('webp');
      expect(Math.max(width ?? 0, height ?? 0), path).toBe(256);
      const { channels } = await img.stats();
      expect(channels[0]!.stdev, path).toBeGreaterThan(5); // an image, not a blank
    }
  });
});
