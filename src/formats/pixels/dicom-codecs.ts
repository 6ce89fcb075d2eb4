// Decoders for the compressed DICOM transfer syntaxes that sharp cannot read (PS3.5 §8.2, Table A-1): JPEG
// lossless (processes 14, .57/.70) by jpeg-lossless-decoder-js, JPEG extended 12-bit (process 2/4, .51) by the
// libjpeg build in dcmjs-codecs, JPEG-LS (.80/.81) by CharLS, JPEG 2000 (.90/.91) by OpenJPEG and HTJ2K
// (.201-.203) by OpenJPH, the last three from cornerstone's WebAssembly builds. Each codec is loaded the first
// time a file needs it and then kept: module state is per worker thread, so once per thread. The .wasm files
// are read from node_modules; nothing is fetched. Before a codec runs, the frame header of the codestream is
// checked against Rows, Columns and SamplesPerPixel, so a codec never allocates more than the DICOM header
// (already checked against the limits) allows.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FormatError } from '../types.js';
import { endsWithEoi } from './dicom-rle.js';

const ID = 'dicom';
const require = createRequire(import.meta.url);

export interface FrameSpec {
  rows: number;
  cols: number;
  spp: number;
}

export interface DecodedFrame {
  /** rows x cols x spp samples as the codec returns them (signed when the codestream says so). */
  samples: Uint8Array | Int8Array | Uint16Array | Int16Array;
  /** Colour samples stored plane by plane (all R, then G, then B) rather than pixel by pixel. */
  planar: boolean;
  /** Bits per sample declared by the codestream (its precision). */
  precision: number;
  /** Colour converted to RGB by the codec (JPEG 2000 inverse component transform, libjpeg YCbCr to RGB). */
  rgb: boolean;
}

interface CodestreamHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
}

const corrupt = (codec: string, why = 'corrupt') => new FormatError(ID, `${why} ${codec} frame`);

/** Lazily loaded codec modules, by name; a module whose WebAssembly instance trapped is dropped and reloaded. */
const modules = new Map<string, Promise<unknown>>();
function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  let m = modules.get(key) as Promise<T> | undefined;
  if (!m) {
    m = load();
    modules.set(key, m);
    m.catch(() => modules.delete(key));
  }
  return m;
}

/** An Emscripten (MODULARIZE) codec, given its .wasm bytes so that it never looks for them itself. */
async function emscripten(js: string, wasm: string): Promise<EmbindModule> {
  const factory = require(js) as (opts: object) => Promise<EmbindModule>;
  const wasmBinary = await readFile(require.resolve(wasm));
  // OpenJPEG reports every tile on stdout; keep the codecs quiet.
  return factory({ wasmBinary, print: () => {}, printErr: () => {} });
}

interface EmbindDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getDecodedBuffer(): Uint8Array;
  getInterleaveMode?(): number;
  delete(): void;
}
type EmbindModule = Record<string, new () => EmbindDecoder>;

const charls = () => once('charls', () => emscripten('@cornerstonejs/codec-charls/decodewasmjs', '@cornerstonejs/codec-charls/decodewasm'));
const openjpeg = () => once('openjpeg', () => emscripten('@cornerstonejs/codec-openjpeg/decodewasmjs', '@cornerstonejs/codec-openjpeg/decodewasm'));
const openjph = () => once('openjph', () => emscripten('@cornerstonejs/codec-openjph', '@cornerstonejs/codec-openjph/wasm'));

/** PS3.5 §A.4: a frame is one whole codestream; a cut one would decode to garbage or fail deep in a codec. */
function checkEnd(frame: Buffer, codec: string): void {
  if (!endsWithEoi(frame)) throw corrupt(codec, 'truncated');
}

/** The frame header (SOFn of ITU-T T.81 B.2.2, or SOF55 of JPEG-LS T.87) of a JPEG-family codestream. */
export function jpegHeader(b: Buffer, codec: string): CodestreamHeader & { marker: number } {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw corrupt(codec, 'no start-of-image in');
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) throw corrupt(codec);
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte (T.81 B.1.1.2)
      continue;
    }
    const len = b.readUInt16BE(pos + 2);
    const sof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (sof) {
      if (len < 8 || pos + 10 > b.length) throw corrupt(codec);
      return { marker, precision: b[pos + 4]!, height: b.readUInt16BE(pos + 5), width: b.readUInt16BE(pos + 7), components: b[pos + 9]! };
    }
    if (marker === 0xda || len < 2) break; // scan data before any frame header
    pos += 2 + len;
  }
  throw corrupt(codec, 'no frame header in');
}

/** The image and component size (SIZ, ITU-T T.800 A.5.1) of a JPEG 2000 codestream, and where it starts. */
export function j2kHeader(b: Buffer, codec: string): CodestreamHeader & { start: number; signed: boolean } {
  // The codestream starts with SOC then SIZ; some writers wrap it in a JP2 file (GDCM), so look for it.
  const start = b.subarray(0, Math.min(b.length, 1 << 16)).indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
  if (start < 0) throw corrupt(codec, 'no SIZ marker in');
  const s = start + 4;
  if (s + 41 > b.length) throw corrupt(codec, 'truncated');
  const width = b.readUInt32BE(s + 4) - b.readUInt32BE(s + 12);
  const height = b.readUInt32BE(s + 8) - b.readUInt32BE(s + 16);
  const components = b.readUInt16BE(s + 36);
  const ssiz = b[s + 38]!;
  return { start, width, height, components, precision: (ssiz & 0x7f) + 1, signed: (ssiz & 0x80) !== 0 };
}

function checkHeader(h: CodestreamHeader, spec: FrameSpec, codec: string): void {
  if (h.width !== spec.cols || h.height !== spec.rows) {
    throw new FormatError(ID, `${codec} frame is ${h.width}x${h.height}, not Columns x Rows (${spec.cols}x${spec.rows})`);
  }
  if (h.components !== spec.spp) throw new FormatError(ID, `${codec} frame has ${h.components} components, not SamplesPerPixel ${spec.spp}`);
  if (h.precision < 1 || h.precision > 16) throw new FormatError(ID, `${codec} precision ${h.precision} cannot be previewed`);
}

/** Copies `bytes` (native-endian samples of `precision` bits) out of codec memory into a typed array. */
function typed(bytes: Uint8Array, precision: number, signed: boolean, spec: FrameSpec, codec: string): DecodedFrame['samples'] {
  const width = precision <= 8 ? 1 : 2;
  if (bytes.length !== spec.rows * spec.cols * spec.spp * width) throw corrupt(codec, 'wrong size of decoded');
  const copy = bytes.slice().buffer;
  if (width === 1) return signed ? new Int8Array(copy) : new Uint8Array(copy);
  return signed ? new Int16Array(copy) : new Uint16Array(copy);
}

/** Runs one embind decoder (CharLS, OpenJPEG, OpenJPH: getEncodedBuffer / decode / getDecodedBuffer). */
async function embind(key: string, load: () => Promise<EmbindModule>, cls: string, data: Buffer, spec: FrameSpec, codec: string) {
  const m = await load();
  let d: EmbindDecoder | undefined;
  try {
    d = new m[cls]!();
    d.getEncodedBuffer(data.length).set(data);
    d.decode();
    const fi = d.getFrameInfo();
    checkHeader({ width: fi.width, height: fi.height, components: fi.componentCount, precision: fi.bitsPerSample }, spec, codec);
    const samples = typed(d.getDecodedBuffer(), fi.bitsPerSample, fi.isSigned === true, spec, codec);
    return { samples, precision: fi.bitsPerSample, interleave: d.getInterleaveMode?.() };
  } catch (err) {
    if (err instanceof FormatError) throw err;
    // A trap (out of bounds, abort) can leave the instance unusable: load a fresh one next time.
    if (err instanceof WebAssembly.RuntimeError) modules.delete(key);
    throw corrupt(codec);
  } finally {
    try {
      d?.delete();
    } catch {
      modules.delete(key);
    }
  }
}

/** JPEG-LS (.80 lossless, .81 near-lossless), ITU-T T.87. */
export async function decodeJpegLs(frame: Buffer, spec: FrameSpec): Promise<DecodedFrame> {
  const codec = 'JPEG-LS';
  checkHeader(jpegHeader(frame, codec), spec, codec);
  checkEnd(frame, codec);
  const r = await embind('charls', charls, 'JpegLSDecoder', frame, spec, codec);
  // CharLS interleave mode 0 (none) returns one plane per component.
  return { samples: r.samples, planar: spec.spp > 1 && r.interleave === 0, precision: r.precision, rgb: false };
}

/** JPEG 2000 (.90, .91), and HTJ2K (.201-.203) with `ht`. Colour comes back pixel-interleaved, as RGB after MCT. */
export async function decodeJ2k(frame: Buffer, spec: FrameSpec, ht = false): Promise<DecodedFrame> {
  const codec = ht ? 'HTJ2K' : 'JPEG 2000';
  const h = j2kHeader(frame, codec);
  checkHeader(h, spec, codec);
  const stream = frame.subarray(h.start);
  checkEnd(stream, codec);
  const r = ht
    ? await embind('openjph', openjph, 'HTJ2KDecoder', stream, spec, codec)
    : await embind('openjpeg', openjpeg, 'J2KDecoder', stream, spec, codec);
  return { samples: r.samples, planar: false, precision: r.precision, rgb: true };
}

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number): Uint8Array | Uint16Array;
}
const jpegLossless = () => once('jpeg-lossless', async () => require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder });

/** JPEG lossless, processes 14 (.57, any predictor; .70, predictor 1), ITU-T T.81 Annex H. */
export async function decodeJpegLossless(frame: Buffer, spec: FrameSpec): Promise<DecodedFrame> {
  const codec = 'JPEG lossless';
  const h = jpegHeader(frame, codec);
  checkHeader(h, spec, codec);
  if (h.marker !== 0xc3) throw new FormatError(ID, `${codec} frame is not lossless (SOF${h.marker - 0xc0})`);
  // This decoder reads zeros past the end of its input instead of failing, so truncation is caught here.
  checkEnd(frame, codec);
  const { Decoder } = await jpegLossless();
  let out: Uint8Array | Uint16Array;
  try {
    out = new Decoder().decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.length);
  } catch {
    throw corrupt(codec);
  }
  const width = h.precision <= 8 ? 1 : 2;
  if (!out || out.length * out.BYTES_PER_ELEMENT !== spec.rows * spec.cols * spec.spp * width) throw corrupt(codec, 'wrong size of decoded');
  return { samples: out, planar: false, precision: h.precision, rgb: false };
}

interface DcmjsCodecs {
  NativeCodecs: {
    initializeAsync(opts: { webAssemblyModulePathOrUrl: string }): Promise<void>;
    decodeJpeg(ctx: unknown, params: { convertColorspaceToRgb: boolean }): { getDecodedBuffer(): Uint8Array };
  };
  Context: new (attrs: Record<string, unknown>) => unknown;
}
const dcmjsCodecs = () => once('dcmjs-codecs', async () => {
  const lib = require('dcmjs-codecs') as DcmjsCodecs;
  await lib.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: join(dirname(require.resolve('dcmjs-codecs')), 'dcmjs-native-codecs.wasm') });
  return lib;
});

/** JPEG extended with 12-bit samples (.51, processes 2 and 4, ITU-T T.81 Annex F), which libvips cannot read. */
export async function decodeJpeg12(frame: Buffer, spec: FrameSpec): Promise<DecodedFrame> {
  const codec = 'JPEG extended';
  const h = jpegHeader(frame, codec);
  checkHeader(h, spec, codec);
  if (h.marker !== 0xc1 && h.marker !== 0xc0) throw new FormatError(ID, `${codec} frame is not sequential DCT (SOF${h.marker - 0xc0})`);
  checkEnd(frame, codec);
  const { NativeCodecs, Context } = await dcmjsCodecs();
  const ctx = new Context({
    width: spec.cols, height: spec.rows, bitsAllocated: 16, bitsStored: h.precision, samplesPerPixel: spec.spp, pixelRepresentation: 0,
    planarConfiguration: 0, photometricInterpretation: spec.spp === 3 ? 'YBR_FULL' : 'MONOCHROME2', encodedBuffer: new Uint8Array(frame),
  });
  let bytes: Uint8Array;
  try {
    bytes = NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: true }).getDecodedBuffer();
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) modules.delete('dcmjs-codecs');
    throw corrupt(codec);
  }
  return { samples: typed(bytes, 16, false, spec, codec), planar: false, precision: h.precision, rgb: spec.spp === 3 };
}

/** Whether a JPEG codestream (.50/.51) needs decodeJpeg12 rather than an 8-bit decoder. */
export function jpegPrecision(frame: Buffer): number {
  return jpegHeader(frame, 'JPEG').precision;
}
