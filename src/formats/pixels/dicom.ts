// DICOM pixel data to a Volume: native (uncompressed) encodings per PS3.5 §8.1.1 (implicit/explicit VR little
// endian, explicit big endian, deflated), RLE Lossless per PS3.5 Annex G, 8-bit JPEG (baseline and extended)
// decoded by sharp, and JPEG lossless, 12-bit JPEG, JPEG-LS, JPEG 2000 and HTJ2K by the codecs of
// dicom-codecs.ts; every frame of a multi-frame image, split per PS3.5 §A.4 (encapsulation).
// Colour images become luma (ITU-R BT.601 weights); YBR images keep their Y. Values are rescaled with
// RescaleSlope/RescaleIntercept (PS3.3 C.11.1, e.g. to Hounsfield units).
import { stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { loadSharp } from '../sharp-lazy.js';
import { inflatePrefix } from '../io.js';
import { FormatError, type Limits } from '../types.js';
import { DEFLATED, EXPLICIT_BE, EXPLICIT_LE, HeaderParser, IMPLICIT_LE, NeedMore, preambleEnd, syntaxOf, type Attrs, type PixelHeader } from './dicom-header.js';
import { decodeJ2k, decodeJpeg12, decodeJpegLossless, decodeJpegLs, jpegPrecision, type DecodedFrame, type FrameSpec } from './dicom-codecs.js';
import { decodeRleFrame, encapsulatedFragments, frameFragments } from './dicom-rle.js';
import { checkVolumeDims, inflateLimits, MAX_VOLUME_BYTES, readRange, spacing3, type Volume } from './volume.js';

const ID = 'dicom';
const NATIVE = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED]);
type Codec = 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k' | 'htj2k';
// PS3.6 Table A-1: the encapsulated syntaxes we decode, and how.
const CODECS: Readonly<Record<string, Codec>> = {
  '1.2.840.10008.1.2.5': 'rle', '1.2.840.10008.1.2.4.50': 'jpeg', '1.2.840.10008.1.2.4.51': 'jpeg',
  '1.2.840.10008.1.2.4.57': 'jpeg-lossless', '1.2.840.10008.1.2.4.70': 'jpeg-lossless',
  '1.2.840.10008.1.2.4.80': 'jpeg-ls', '1.2.840.10008.1.2.4.81': 'jpeg-ls', '1.2.840.10008.1.2.4.90': 'j2k',
  '1.2.840.10008.1.2.4.91': 'j2k', '1.2.840.10008.1.2.4.201': 'htj2k', '1.2.840.10008.1.2.4.202': 'htj2k',
  '1.2.840.10008.1.2.4.203': 'htj2k',
};
// PS3.6 Table A-1 names of the syntaxes we recognise but do not decode (video, JPIP references, JPEG XL).
const UNSUPPORTED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 multi-component', '1.2.840.10008.1.2.4.93': 'JPEG 2000 multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP referenced', '1.2.840.10008.1.2.4.95': 'JPIP referenced deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 video', '1.2.840.10008.1.2.4.101': 'MPEG2 video', '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 video', '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 video', '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 video', '1.2.840.10008.1.2.4.108': 'HEVC/H.265 video',
  '1.2.840.10008.1.2.4.110': 'JPEG XL', '1.2.840.10008.1.2.4.111': 'JPEG XL', '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME', '1.2.840.10008.1.2.6.2': 'XML',
};

/** Where bytes of the data set come from: the file, or the inflated data set of a deflated file. */
type Bytes = (offset: number, length: number) => Promise<Buffer>;

async function readHeader(path: string, limits: Limits): Promise<{ h: PixelHeader; bytes: Bytes; size: number }> {
  const { size } = await stat(path);
  let window = Math.min(size, 256 * 1024);
  for (;;) {
    const buf = await readRange(path, 0, window, ID, 'header');
    const complete = window >= size;
    try {
      if (buf.length < 8) throw new FormatError(ID, 'truncated');
      const p = new HeaderParser(buf, complete);
      const dataStart = p.meta(preambleEnd(buf));
      const uid = p.attrs.TransferSyntaxUID;
      if (uid === DEFLATED) {
        // PS3.5 §A.5: the data set after File Meta is one raw deflate stream; inflate it whole, bounded.
        const capped = { ...inflateLimits(limits), maxDecompressedBytes: limits.maxDecompressedBytes + 1 };
        const ds = await inflatePrefix({ path, size }, capped.maxDecompressedBytes, capped, ID, { offset: dataStart, compression: 'raw' });
        if (ds.length > limits.maxDecompressedBytes) throw new FormatError(ID, 'decompressed size exceeds the limit');
        const q = new HeaderParser(ds, true);
        const h = { ...q.dataset(0, { le: true, explicit: true }), dataStart: 0 };
        h.attrs.TransferSyntaxUID = uid;
        return { h, size: ds.length, bytes: async (o, l) => {
          if (o + l > ds.length) throw new FormatError(ID, 'truncated pixel data');
          return ds.subarray(o, o + l);
        } };
      }
      const h = { ...p.dataset(dataStart, syntaxOf(uid, buf, dataStart)), dataStart };
      return { h, size, bytes: (o, l) => readRange(path, o, l, ID, 'pixel data') };
    } catch (err) {
      if (!(err instanceof NeedMore)) throw err;
      if (window >= limits.maxReadBytes) throw new FormatError(ID, 'header exceeds the read limit');
      window = Math.min(size, window * 4, limits.maxReadBytes);
    }
  }
}

export interface PixelFormat {
  rows: number;
  cols: number;
  spp: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planar: boolean;
  le: boolean;
  photometric: string;
}

function pixelFormat(a: Attrs, le: boolean): PixelFormat {
  const rows = a.Rows ?? 0;
  const cols = a.Columns ?? 0;
  const spp = a.SamplesPerPixel ?? 1;
  const bitsAllocated = a.BitsAllocated ?? 0;
  const bitsStored = a.BitsStored ?? bitsAllocated;
  const photometric = a.PhotometricInterpretation ?? (spp === 1 ? 'MONOCHROME2' : 'RGB');
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw new FormatError(ID, `BitsAllocated ${bitsAllocated} cannot be previewed`);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw new FormatError(ID, `invalid BitsStored ${bitsStored}`);
  if (spp !== 1 && spp !== 3) throw new FormatError(ID, `SamplesPerPixel ${spp} cannot be previewed`);
  if (photometric.startsWith('PALETTE')) throw new FormatError(ID, 'PALETTE COLOR images cannot be previewed yet');
  return { rows, cols, spp, bitsAllocated, bitsStored, signed: a.PixelRepresentation === 1, planar: a.PlanarConfiguration === 1, le, photometric };
}

/** Bytes of one native frame (PS3.5 §8.1.1; YBR_FULL_422 stores 2 samples per pixel, PS3.3 C.7.6.3.1.2). */
function frameBytes(f: PixelFormat): number {
  const samples = f.photometric === 'YBR_FULL_422' ? 2 : f.spp;
  return (f.rows * f.cols * samples * f.bitsAllocated) / 8;
}

/**
 * Native pixel data of `frames` frames to luma values (not yet rescaled). Bits above BitsStored are masked off
 * and the result sign-extended when PixelRepresentation is 1 (PS3.5 §8.1.1, high bit = BitsStored - 1).
 */
export function nativeToFloat(buf: Buffer, frames: number, f: PixelFormat, out: Float32Array, outOffset = 0): void {
  const n = f.rows * f.cols;
  const ba = f.bitsAllocated;
  const bs = f.bitsStored;
  const range = 2 ** bs;
  const half = 2 ** (bs - 1);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const raw = (k: number): number => {
    let v: number;
    if (ba === 1) v = (buf[k >> 3]! >> (k & 7)) & 1; // PS3.5 §8.1.1: bit 0 of each byte first
    else if (ba === 8) v = buf[k]!;
    else if (ba === 16) v = view.getUint16(k * 2, f.le);
    else v = view.getUint32(k * 4, f.le);
    if (bs < ba) v %= range;
    return f.signed && v >= half ? v - range : v;
  };
  const ybr = f.photometric.startsWith('YBR');
  for (let fr = 0; fr < frames; fr++) {
    const base = fr * (frameBytes(f) * 8) / ba; // first sample index of this frame
    const o = outOffset + fr * n;
    if (f.spp === 1) {
      for (let i = 0; i < n; i++) out[o + i] = raw(base + i);
    } else if (f.photometric === 'YBR_FULL_422') {
      for (let i = 0; i < n; i++) out[o + i] = raw(base + 4 * (i >> 1) + (i & 1)); // Y0 Y1 Cb Cr per pixel pair
    } else {
      const at = f.planar ? (i: number, s: number) => base + s * n + i : (i: number, s: number) => base + i * 3 + s;
      for (let i = 0; i < n; i++) {
        out[o + i] = ybr ? raw(at(i, 0)) : 0.299 * raw(at(i, 0)) + 0.587 * raw(at(i, 1)) + 0.114 * raw(at(i, 2));
      }
    }
  }
}

/**
 * JPEG decoders assume YCbCr for 3 components unless an Adobe APP14 marker says otherwise (libjpeg's rule: JFIF
 * implies YCbCr; Adobe transform 0 means no colour transform). DICOM says it with PhotometricInterpretation
 * RGB (PS3.5 §8.2.1), so for RGB we drop JFIF/Adobe markers and insert APP14 with transform 0.
 */
export function markAsRgb(jpeg: Buffer): Buffer {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  const parts: Buffer[] = [jpeg.subarray(0, 2), Buffer.from('ffee000e41646f626500640000000000', 'hex')];
  let pos = 2;
  while (pos + 4 <= jpeg.length && jpeg[pos] === 0xff) {
    const marker = jpeg[pos + 1]!;
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
    const end = pos + 2 + jpeg.readUInt16BE(pos + 2);
    if (marker !== 0xe0 && marker !== 0xee) parts.push(jpeg.subarray(pos, end));
    pos = end;
  }
  parts.push(jpeg.subarray(pos));
  return Buffer.concat(parts);
}

async function decodeJpegFrame(frag: Buffer, f: PixelFormat, limits: Limits): Promise<Float32Array> {
  const sharp = await loadSharp();
  if (f.spp === 3 && f.photometric === 'RGB') frag = markAsRgb(frag);
  const img = await sharp(frag, { limitInputPixels: Math.min(limits.maxVoxels, 2 ** 28) }).raw().toBuffer({ resolveWithObject: true })
    .catch(() => {
      throw new FormatError(ID, 'corrupt JPEG frame');
    });
  const { width, height, channels } = img.info;
  if (width !== f.cols || height !== f.rows) throw new FormatError(ID, `JPEG frame is ${width}x${height}, not Columns x Rows`);
  const out = new Float32Array(width * height);
  const d = img.data;
  for (let i = 0; i < out.length; i++) {
    const p = i * channels;
    out[i] = channels >= 3 ? 0.299 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]! : d[p]!;
  }
  return out;
}

export async function decodeDicom(path: string, limits: Limits): Promise<Volume> {
  const { h, bytes, size } = await readHeader(path, limits);
  const a = h.attrs;
  if (h.pixelOffset === undefined || a.Rows === undefined || a.Columns === undefined) throw new FormatError(ID, 'no image in this file');
  const uid = a.TransferSyntaxUID;
  const codec = uid === undefined ? undefined : CODECS[uid];
  if (uid !== undefined && !NATIVE.has(uid) && !codec) {
    const name = UNSUPPORTED[uid];
    throw new FormatError(ID, `transfer syntax ${uid}${name ? ` (${name})` : ''} cannot be previewed yet`);
  }
  const f = pixelFormat(a, h.syntax.le);
  const frames = a.NumberOfFrames?.[0] ?? 1;
  if (!Number.isSafeInteger(frames) || frames < 1) throw new FormatError(ID, `invalid NumberOfFrames ${frames}`);
  const count = checkVolumeDims(ID, [f.cols, f.rows, frames], limits);
  const n = f.rows * f.cols;
  let data: Float32Array;
  if (!codec) {
    const need = Math.ceil((frameBytes(f) * frames));
    if (h.pixelLength === undefined) throw new FormatError(ID, 'encapsulated pixel data in a native transfer syntax');
    if (h.pixelLength < need) throw new FormatError(ID, 'truncated pixel data');
    data = new Float32Array(count);
    nativeToFloat(await bytes(h.pixelOffset, need), frames, f, data);
  } else {
    if (h.pixelLength !== undefined) throw new FormatError(ID, 'pixel data is not encapsulated');
    // The codecs return whole frames of samples: bound what they may produce before any of them runs.
    if (count * f.spp * Math.ceil(f.bitsAllocated / 8) > limits.maxDecompressedBytes) throw new FormatError(ID, 'decoded pixel data would exceed the limit');
    const avail = Math.min(size - h.pixelOffset, MAX_VOLUME_BYTES);
    const enc = await bytes(h.pixelOffset, Math.max(0, avail));
    const { fragments, offsets } = encapsulatedFragments(enc);
    const perFrame = frameFragments(enc, fragments, offsets, frames, codec !== 'rle');
    data = new Float32Array(count);
    for (let fr = 0; fr < frames; fr++) {
      const frame = Buffer.concat(perFrame[fr]!.map((p) => enc.subarray(p.offset, p.offset + p.length)));
      await decodeFrame(codec, frame, f, limits, data, fr * n);
    }
  }
  const slope = a.RescaleSlope?.[0] ?? 1;
  const intercept = a.RescaleIntercept?.[0] ?? 0;
  if (slope !== 1 || intercept !== 0) for (let i = 0; i < data.length; i++) data[i] = data[i]! * slope + intercept;
  const ps = a.PixelSpacing;
  const volume: Volume = {
    dims: [f.cols, f.rows, frames],
    // Pixel Spacing is row spacing (y) then column spacing (x), PS3.3 C.7.6.2.1.1.
    spacing: spacing3([ps?.[1], ps?.[0], a.SpacingBetweenSlices?.[0] ?? a.SliceThickness?.[0]]),
    data,
  };
  if (a.Modality) volume.modality = a.Modality;
  const wc = a.WindowCenter?.[0];
  const ww = a.WindowWidth?.[0];
  if (wc !== undefined && ww !== undefined && ww > 0) volume.window = { center: wc, width: ww };
  if (f.photometric === 'MONOCHROME1') volume.invert = true;
  return volume;
}

/** Decodes one encapsulated frame into `out` at `offset` as luma values (not yet rescaled). */
async function decodeFrame(codec: Codec, frame: Buffer, f: PixelFormat, limits: Limits, out: Float32Array, offset: number): Promise<void> {
  const spec: FrameSpec = { rows: f.rows, cols: f.cols, spp: f.spp };
  if (codec === 'rle') {
    nativeToFloat(decodeRleFrame(frame, f.rows * f.cols, f.spp, f.bitsAllocated), 1, { ...f, planar: true, le: true }, out, offset);
  } else if (codec === 'jpeg' && jpegPrecision(frame) <= 8) {
    out.set(await decodeJpegFrame(frame, f, limits), offset);
  } else {
    const decoded = codec === 'jpeg' ? await decodeJpeg12(frame, spec)
      : codec === 'jpeg-lossless' ? await decodeJpegLossless(frame, spec)
        : codec === 'jpeg-ls' ? await decodeJpegLs(frame, spec)
          : await decodeJ2k(frame, spec, codec === 'htj2k');
    decodedToFloat(decoded, f, out, offset);
  }
}

/**
 * Codec samples to luma. They hold `precision` significant bits; like pydicom (which trusts a JPEG 2000
 * codestream over BitsStored), we mask and sign-extend at that precision, with the signedness of
 * PixelRepresentation. Colour the codec left as YCbCr keeps its Y.
 */
function decodedToFloat(d: DecodedFrame, f: PixelFormat, out: Float32Array, offset: number): void {
  const bits = d.samples.BYTES_PER_ELEMENT * 8;
  const ybr = !d.rgb && f.photometric.startsWith('YBR');
  const fmt: PixelFormat = {
    ...f, bitsAllocated: bits, bitsStored: Math.min(bits, d.precision), planar: d.planar, le: endianness() === 'LE',
    photometric: f.spp === 1 ? f.photometric : ybr ? 'YBR_FULL' : 'RGB',
  };
  nativeToFloat(Buffer.from(d.samples.buffer, d.samples.byteOffset, d.samples.byteLength), 1, fmt, out, offset);
}
