// Encapsulated pixel data (DICOM PS3.5 §A.4) and the RLE Lossless codec (PS3.5 Annex G).
import { FormatError } from '../types.js';

const ID = 'dicom';
const ITEM = 0xfffee000;
const SEQ_END = 0xfffee0dd;
const MAX_FRAGMENTS = 1_000_000;

export interface Fragment {
  /** Offset of the fragment's item tag, relative to the first item after the Basic Offset Table (as BOT offsets are). */
  itemOffset: number;
  /** Offset of its bytes in the buffer. */
  offset: number;
  length: number;
}

/**
 * PS3.5 §A.4: the value of an undefined-length Pixel Data element is a sequence of items, always little
 * endian: first the Basic Offset Table (possibly empty), then one item per fragment, then a Sequence
 * Delimitation Item. `buf` starts at the first item.
 */
export function encapsulatedFragments(buf: Buffer): { fragments: Fragment[]; offsets: number[] } {
  if (buf.length < 8 || tagAt(buf, 0) !== ITEM) {
    throw new FormatError(ID, 'truncated pixel data');
  }
  const botLength = buf.readUInt32LE(4);
  if (8 + botLength > buf.length || botLength % 4 !== 0) throw new FormatError(ID, 'truncated pixel data');
  const offsets: number[] = [];
  for (let i = 0; i < botLength; i += 4) offsets.push(buf.readUInt32LE(8 + i));
  const first = 8 + botLength;
  const fragments: Fragment[] = [];
  let pos = first;
  for (;;) {
    if (pos + 8 > buf.length) throw new FormatError(ID, 'truncated pixel data');
    const tag = tagAt(buf, pos);
    if (tag === SEQ_END) break;
    if (tag !== ITEM) throw new FormatError(ID, 'invalid item in encapsulated pixel data');
    const length = buf.readUInt32LE(pos + 4);
    if (pos + 8 + length > buf.length) throw new FormatError(ID, 'truncated pixel data');
    fragments.push({ itemOffset: pos - first, offset: pos + 8, length });
    if (fragments.length > MAX_FRAGMENTS) throw new FormatError(ID, 'too many fragments');
    pos += 8 + length;
  }
  if (fragments.length === 0) throw new FormatError(ID, 'no fragments in encapsulated pixel data');
  return { fragments, offsets };
}

function tagAt(buf: Buffer, pos: number): number {
  return ((buf.readUInt16LE(pos) << 16) | buf.readUInt16LE(pos + 2)) >>> 0;
}

/**
 * The fragments of each of `frames` frames (PS3.5 §A.4): by the Basic Offset Table when it has one offset per
 * frame, else one fragment per frame when the counts match (as RLE requires, §G.2), else, for JPEG-family
 * codestreams (`byMarker`), a frame ends with the fragment that ends with the EOI/EOC marker FFD9.
 */
export function frameFragments(buf: Buffer, fragments: Fragment[], offsets: number[], frames: number, byMarker: boolean): Fragment[][] {
  if (frames === 1) return [fragments];
  if (offsets.length === frames) {
    return offsets.map((o, i) => fragments.filter((f) => f.itemOffset >= o && (i + 1 >= offsets.length || f.itemOffset < offsets[i + 1]!)));
  }
  if (fragments.length === frames) return fragments.map((f) => [f]);
  if (byMarker) {
    const out: Fragment[][] = [];
    let current: Fragment[] = [];
    for (const f of fragments) {
      current.push(f);
      if (endsWithEoi(buf.subarray(f.offset, f.offset + f.length))) {
        out.push(current);
        current = [];
      }
    }
    if (out.length === frames && current.length === 0) return out;
  }
  throw new FormatError(ID, `cannot split ${fragments.length} fragments into ${frames} frames`);
}

/**
 * Whether a JPEG-family codestream ends with its EOI/EOC marker FFD9 (JPEG EOI, T.81 B.1.1.3; JPEG-LS EOI, T.87;
 * JPEG 2000 EOC, T.800 A.4.4), allowing for the padding writers add to reach an even length (00, or FF).
 */
export function endsWithEoi(b: Buffer): boolean {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0 || b[end - 1] === 0xff)) end--;
  return end >= 2 && b[end - 2] === 0xff && b[end - 1] === 0xd9;
}

/**
 * One RLE-compressed frame to native bytes in planar order with little-endian samples (PlanarConfiguration 1).
 * PS3.5 §G.5: a 64-byte header (number of segments, then 15 segment offsets, uint32 LE) precedes the segments;
 * §G.2: one segment per byte of each sample, most significant byte first, samples in order (R, G, B).
 */
export function decodeRleFrame(frame: Buffer, pixels: number, spp: number, bitsAllocated: number): Buffer {
  if (bitsAllocated % 8 !== 0) throw new FormatError(ID, `RLE with BitsAllocated ${bitsAllocated} cannot be previewed`);
  if (frame.length < 64) throw new FormatError(ID, 'truncated RLE header');
  const bytes = bitsAllocated / 8;
  const count = frame.readUInt32LE(0);
  if (count !== spp * bytes || count > 15) throw new FormatError(ID, `RLE frame has ${count} segments, expected ${spp * bytes}`);
  const out = Buffer.alloc(pixels * spp * bytes);
  for (let s = 0; s < count; s++) {
    const start = frame.readUInt32LE(4 + 4 * s);
    const end = s + 1 < count ? frame.readUInt32LE(8 + 4 * s) : frame.length;
    if (start < 64 || end > frame.length || end < start) throw new FormatError(ID, 'invalid RLE segment offset');
    const sample = Math.floor(s / bytes);
    const byte = bytes - 1 - (s % bytes); // segment 0 of a sample is its most significant byte
    unpackBits(frame, start, end, out, sample * pixels * bytes + byte, bytes, pixels);
  }
  return out;
}

/**
 * PS3.5 §G.3.1 (PackBits): a header byte n in 0..127 copies the next n+1 bytes; -1..-127 repeats the next byte
 * 1-n times; -128 is a no-op. Writes `count` bytes to `out` from `at`, `stride` apart.
 */
function unpackBits(src: Buffer, pos: number, end: number, out: Buffer, at: number, stride: number, count: number): void {
  let written = 0;
  while (written < count && pos < end) {
    const n = src.readInt8(pos++);
    if (n >= 0) {
      const len = Math.min(n + 1, count - written, end - pos);
      for (let i = 0; i < len; i++) out[at + (written++) * stride] = src[pos + i]!;
      pos += n + 1;
    } else if (n !== -128) {
      if (pos >= end) break;
      const v = src[pos++]!;
      const len = Math.min(1 - n, count - written);
      for (let i = 0; i < len; i++) out[at + (written++) * stride] = v;
    }
  }
  if (written < count) throw new FormatError(ID, 'truncated RLE segment');
}
