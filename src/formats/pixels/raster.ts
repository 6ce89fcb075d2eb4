// Decoders for the simple raster formats libvips does not read: BMP (Microsoft BITMAPINFOHEADER family,
// uncompressed and BI_BITFIELDS) and Netpbm PBM/PGM/PPM (netpbm.sourceforge.net/doc/pbm.html, pgm.html,
// ppm.html), plus the mapping of any raster to 8 bits for display.
import { FormatError } from '../types.js';

export interface Raster {
  width: number;
  height: number;
  channels: 1 | 3;
  /** width * height * channels samples, row by row from the top, channels interleaved. */
  data: Uint16Array;
  /** Largest possible sample value (255 for 8-bit, 65535 for 16-bit). */
  maxval: number;
}

/** Most pixels decoded from one BMP or Netpbm image (the default limit of libvips too). */
export const MAX_RASTER_PIXELS = 0x3fff * 0x3fff;

function checkSize(format: string, width: number, height: number, maxPixels: number): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new FormatError(format, `invalid dimensions ${width}x${height}`);
  }
  if (width * height > Math.min(maxPixels, MAX_RASTER_PIXELS)) throw new FormatError(format, `image ${width}x${height} exceeds the pixel limit`);
}

/** Shift and width of a contiguous bit mask, for BI_BITFIELDS channels. */
function maskInfo(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, bits: Math.round(Math.log2((mask >>> shift) + 1)) };
}

/** An n-bit channel value to 8 bits by bit replication (as Pillow and libpng's sBIT handling do). */
function to8(v: number, bits: number): number {
  if (bits >= 8) return v >>> (bits - 8);
  let out = 0;
  let have = 0;
  while (have < 8) {
    out = (out << bits) | v;
    have += bits;
  }
  return out >>> (have - 8);
}

export function decodeBmp(buf: Buffer, maxPixels = MAX_RASTER_PIXELS): Raster {
  const F = 'bmp';
  if (buf.length < 26 || buf.toString('latin1', 0, 2) !== 'BM') throw new FormatError(F, 'no BM signature');
  const dataOffset = buf.readUInt32LE(10);
  const dib = buf.readUInt32LE(14);
  const core = dib === 12;
  if (!core && (dib < 40 || dib > 124)) throw new FormatError(F, 'unknown DIB header size');
  if (buf.length < 14 + dib) throw new FormatError(F, 'truncated header');
  const width = core ? buf.readUInt16LE(18) : buf.readInt32LE(18);
  const rawHeight = core ? buf.readUInt16LE(20) : buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(core ? 24 : 28);
  const compression = core ? 0 : buf.readUInt32LE(30);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  checkSize(F, width, height, maxPixels);
  if (compression !== 0 && compression !== 3 && compression !== 6) throw new FormatError(F, `compression ${compression} cannot be previewed`);
  // Palette (<= 8 bits): RGBQUAD (B, G, R, reserved) after the DIB header, RGBTRIPLE for BITMAPCOREHEADER.
  const palette: number[][] = [];
  if (bpp <= 8) {
    const entry = core ? 3 : 4;
    const used = core ? 0 : buf.readUInt32LE(46);
    const n = used > 0 && used <= 256 ? used : 1 << bpp;
    for (let i = 0; i < n; i++) {
      const at = 14 + dib + i * entry;
      if (at + 3 > buf.length) throw new FormatError(F, 'truncated palette');
      palette.push([buf[at + 2]!, buf[at + 1]!, buf[at]!]);
    }
  } else if (![16, 24, 32].includes(bpp)) {
    throw new FormatError(F, `${bpp} bits per pixel cannot be previewed`);
  }
  // BI_BITFIELDS masks follow a 40-byte header, or are its fields in V4/V5 headers: both at offset 54.
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0xff00, 0xff];
  if (compression === 3 || compression === 6) {
    if (buf.length < 66) throw new FormatError(F, 'truncated bit masks');
    masks = [buf.readUInt32LE(54), buf.readUInt32LE(58), buf.readUInt32LE(62)];
  }
  const fields = masks.map(maskInfo);
  const stride = Math.ceil((width * bpp) / 32) * 4; // rows are padded to 4 bytes
  if (dataOffset + stride * height > buf.length) throw new FormatError(F, 'truncated pixel data');
  const out = new Uint16Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      let rgb: number[];
      if (bpp <= 8) {
        const bit = x * bpp;
        const idx = (buf[row + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        rgb = palette[idx] ?? [0, 0, 0];
      } else if (bpp === 24) {
        const p = row + x * 3;
        rgb = [buf[p + 2]!, buf[p + 1]!, buf[p]!];
      } else {
        const v = bpp === 16 ? buf.readUInt16LE(row + x * 2) : buf.readUInt32LE(row + x * 4);
        rgb = fields.map((f) => (f.bits ? to8((v >>> f.shift) & (2 ** f.bits - 1), f.bits) : 0));
      }
      out.set(rgb, (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data: out, maxval: 255 };
}

/** Netpbm header: whitespace-separated tokens with '#' comments; returns them and where the raster starts. */
function pnmHeader(buf: Buffer, count: number): { tokens: number[]; end: number } {
  const tokens: number[] = [];
  let i = 2;
  while (tokens.length < count) {
    if (i >= buf.length) throw new FormatError('netpbm', 'truncated header');
    const c = buf[i]!;
    if (c === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a && buf[i] !== 0x0d) i++;
    } else if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      i++;
    } else {
      let j = i;
      while (j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39) j++;
      if (j === i || j - i > 9) throw new FormatError('netpbm', 'invalid header');
      tokens.push(Number(buf.toString('latin1', i, j)));
      i = j;
    }
  }
  return { tokens, end: i + 1 }; // exactly one whitespace character before a binary raster
}

export function decodeNetpbm(buf: Buffer, maxPixels = MAX_RASTER_PIXELS): Raster {
  const F = 'netpbm';
  const kind = buf.toString('latin1', 0, 2);
  if (!/^P[1-6]$/.test(kind)) throw new FormatError(F, 'no P1-P6 magic');
  const bitmap = kind === 'P1' || kind === 'P4';
  const { tokens, end } = pnmHeader(buf, bitmap ? 2 : 3);
  const [width, height, maxval = 1] = tokens as [number, number, number?];
  checkSize(F, width, height, maxPixels);
  if (maxval < 1 || maxval > 65535) throw new FormatError(F, `invalid maxval ${maxval}`);
  const channels = kind === 'P3' || kind === 'P6' ? 3 : 1;
  const n = width * height * channels;
  const out = new Uint16Array(n);
  if (kind === 'P4') {
    const stride = Math.ceil(width / 8);
    if (end + stride * height > buf.length) throw new FormatError(F, 'truncated pixel data');
    // PBM: 1 is black, bits most significant first, rows padded to a byte.
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out[y * width + x] = (buf[end + y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 1;
    }
  } else if (kind === 'P5' || kind === 'P6') {
    const wide = maxval > 255; // two bytes per sample, most significant first
    if (end + n * (wide ? 2 : 1) > buf.length) throw new FormatError(F, 'truncated pixel data');
    for (let i = 0; i < n; i++) out[i] = wide ? buf.readUInt16BE(end + 2 * i) : buf[end + i]!;
  } else {
    const text = buf.toString('latin1', end - 1);
    const re = kind === 'P1' ? /[01]/g : /\d+/g;
    let i = 0;
    for (let m = re.exec(text); m && i < n; m = re.exec(text)) out[i++] = kind === 'P1' ? (m[0] === '1' ? 0 : 1) : Math.min(Number(m[0]), maxval);
    if (i < n) throw new FormatError(F, 'truncated pixel data');
  }
  return { width, height, channels, data: out, maxval };
}

/**
 * 8-bit samples for display: scaled by maxval for images of up to 8 bits, stretched from the 1st to the 99th
 * percentile for deeper ones (16-bit medical images rarely use their full range).
 */
export function toDisplay8(data: ArrayLike<number>, maxval: number): Uint8Array {
  const out = new Uint8Array(data.length);
  let lo = 0;
  let hi = maxval;
  if (maxval > 255) {
    const step = Math.max(1, Math.floor(data.length / 65536));
    const s: number[] = [];
    for (let i = 0; i < data.length; i += step) s.push(data[i]!);
    s.sort((a, b) => a - b);
    lo = s[Math.floor(s.length * 0.01)] ?? 0;
    hi = s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? maxval;
    if (hi <= lo) [lo, hi] = [s[0] ?? 0, Math.max((s[s.length - 1] ?? 0), (s[0] ?? 0) + 1)];
  }
  const scale = 255 / (hi - lo);
  for (let i = 0; i < data.length; i++) {
    const g = Math.round((data[i]! - lo) * scale);
    out[i] = g < 0 ? 0 : g > 255 ? 255 : g;
  }
  return out;
}
