// A deterministic ZIP layout for streaming (PKWARE APPNOTE 6.3.10): STORED entries,
// no data descriptors (CRC-32 and sizes sit in the local header, known from the index),
// fixed DOS time, UTF-8 names (general purpose bit 11), ZIP64 only where a value overflows.
// Every offset is known before the first byte, so an archive has a Content-Length and any
// byte range can be produced by seeking into the right files, never by generating and
// discarding what comes before it.

export interface ZipEntrySpec<R = unknown> {
  /** Full name inside the archive, forward slashes, relative (no leading /, no . or .. segments). */
  name: string;
  size: number;
  /** CRC-32 (ISO-HDLC) of the whole content, as an unsigned 32-bit integer. */
  crc32: number;
  /** What the caller needs to produce the content: a file id, or the bytes themselves. */
  ref: R;
}

interface PlacedEntry<R> extends ZipEntrySpec<R> {
  nameBytes: Uint8Array;
  headerOffset: number;
  dataOffset: number;
  zip64Size: boolean;
}

export type ZipSegment =
  | { start: number; length: number; kind: 'local' | 'data' | 'central'; index: number }
  | { start: number; length: number; kind: 'end'; index: -1 };

export interface ZipLayout<R = unknown> {
  entries: PlacedEntry<R>[];
  segments: ZipSegment[];
  cdOffset: number;
  cdSize: number;
  zip64End: boolean;
  total: number;
}

/** A piece of the archive: literal bytes, or `length` bytes of entry `index` from `offset`. */
export type ZipPiece = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'entry'; index: number; offset: number; length: number };

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const UTF8_FLAG = 0x0800;
const VERSION_ZIP64 = 45;
const VERSION_DEFAULT = 20;
const MADE_BY = (3 << 8) | VERSION_ZIP64; // Unix, spec 4.5
const EXTERNAL_ATTR = (0o100644 << 16) >>> 0; // regular file, rw-r--r--
/** 1980-01-01 00:00:00, the DOS epoch: the same for every entry and every run. */
export const DOS_DATE = (0 << 9) | (1 << 5) | 1;
export const DOS_TIME = 0;

const utf8 = new TextEncoder();

/** Refuses names a careless extractor could write outside its target folder (zip-slip). */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.includes('\0') || /^[a-zA-Z]:/.test(name)) return false;
  return !name.split('/').some((s) => s === '' || s === '.' || s === '..');
}

const needsZip64Size = (size: number) => size >= MAX32;
const centralExtraLen = (e: { size: number; headerOffset: number }) =>
  (needsZip64Size(e.size) ? 16 : 0) + (e.headerOffset >= MAX32 ? 8 : 0);
const extraBlockLen = (payload: number) => (payload > 0 ? 4 + payload : 0);

/** Places every entry in the given order (callers sort: the order is part of the bytes). */
export function layoutZip<R>(specs: readonly ZipEntrySpec<R>[]): ZipLayout<R> {
  const entries: PlacedEntry<R>[] = [];
  const segments: ZipSegment[] = [];
  let pos = 0;
  specs.forEach((s, index) => {
    if (!isSafeEntryName(s.name)) throw new Error(`Unsafe zip entry name: ${JSON.stringify(s.name)}`);
    if (!Number.isSafeInteger(s.size) || s.size < 0) throw new Error(`Bad size for ${s.name}`);
    const nameBytes = utf8.encode(s.name);
    if (nameBytes.length > MAX16) throw new Error(`Zip entry name too long: ${s.name.slice(0, 80)}…`);
    const zip64Size = needsZip64Size(s.size);
    const headerLen = 30 + nameBytes.length + (zip64Size ? 20 : 0);
    const e: PlacedEntry<R> = { ...s, nameBytes, headerOffset: pos, dataOffset: pos + headerLen, zip64Size };
    entries.push(e);
    segments.push({ start: pos, length: headerLen, kind: 'local', index });
    if (s.size > 0) segments.push({ start: e.dataOffset, length: s.size, kind: 'data', index });
    pos = e.dataOffset + s.size;
  });
  const cdOffset = pos;
  entries.forEach((e, index) => {
    const len = 46 + e.nameBytes.length + extraBlockLen(centralExtraLen(e));
    segments.push({ start: pos, length: len, kind: 'central', index });
    pos += len;
  });
  const cdSize = pos - cdOffset;
  const zip64End = entries.length >= MAX16 || cdSize >= MAX32 || cdOffset >= MAX32;
  const endLen = (zip64End ? 56 + 20 : 0) + 22;
  segments.push({ start: pos, length: endLen, kind: 'end', index: -1 });
  return { entries, segments, cdOffset, cdSize, zip64End, total: pos + endLen };
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  constructor(len: number) {
    this.bytes = new Uint8Array(len);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(v: number) { this.view.setUint16(this.pos, v, true); this.pos += 2; return this; }
  u32(v: number) { this.view.setUint32(this.pos, v >>> 0, true); this.pos += 4; return this; }
  u64(v: number) { this.u32(v % 0x100000000); return this.u32(Math.floor(v / 0x100000000)); }
  raw(b: Uint8Array) { this.bytes.set(b, this.pos); this.pos += b.length; return this; }
}

export function localHeader(e: PlacedEntry<unknown>): Uint8Array {
  const w = new Writer(30 + e.nameBytes.length + (e.zip64Size ? 20 : 0));
  const size32 = e.zip64Size ? MAX32 : e.size;
  w.u32(0x04034b50).u16(e.zip64Size ? VERSION_ZIP64 : VERSION_DEFAULT).u16(UTF8_FLAG).u16(0).u16(DOS_TIME).u16(DOS_DATE)
    .u32(e.crc32).u32(size32).u32(size32).u16(e.nameBytes.length).u16(e.zip64Size ? 20 : 0).raw(e.nameBytes);
  // ZIP64 extended information (APPNOTE 4.5.3): in a local header it holds both sizes.
  if (e.zip64Size) w.u16(0x0001).u16(16).u64(e.size).u64(e.size);
  return w.bytes;
}

export function centralHeader(e: PlacedEntry<unknown>): Uint8Array {
  const extra = centralExtraLen(e);
  const w = new Writer(46 + e.nameBytes.length + extraBlockLen(extra));
  const size32 = e.zip64Size ? MAX32 : e.size;
  w.u32(0x02014b50).u16(MADE_BY).u16(extra > 0 ? VERSION_ZIP64 : VERSION_DEFAULT).u16(UTF8_FLAG).u16(0).u16(DOS_TIME).u16(DOS_DATE)
    .u32(e.crc32).u32(size32).u32(size32).u16(e.nameBytes.length).u16(extraBlockLen(extra)).u16(0).u16(0).u16(0)
    .u32(EXTERNAL_ATTR).u32(e.headerOffset >= MAX32 ? MAX32 : e.headerOffset).raw(e.nameBytes);
  // Only the fields set to 0xFFFFFFFF above, in the order of APPNOTE 4.5.3.
  if (extra > 0) {
    w.u16(0x0001).u16(extra);
    if (e.zip64Size) w.u64(e.size).u64(e.size);
    if (e.headerOffset >= MAX32) w.u64(e.headerOffset);
  }
  return w.bytes;
}

export function endRecords(layout: Pick<ZipLayout, 'entries' | 'cdOffset' | 'cdSize' | 'zip64End'>): Uint8Array {
  const n = layout.entries.length;
  const w = new Writer((layout.zip64End ? 76 : 0) + 22);
  if (layout.zip64End) {
    const zip64EndOffset = layout.cdOffset + layout.cdSize;
    w.u32(0x06064b50).u64(44).u16(MADE_BY).u16(VERSION_ZIP64).u32(0).u32(0).u64(n).u64(n).u64(layout.cdSize).u64(layout.cdOffset);
    w.u32(0x07064b50).u32(0).u64(zip64EndOffset).u32(1);
  }
  const clip16 = (v: number) => (layout.zip64End && v >= MAX16 ? MAX16 : v);
  const clip32 = (v: number) => (layout.zip64End && v >= MAX32 ? MAX32 : v);
  w.u32(0x06054b50).u16(0).u16(0).u16(clip16(n)).u16(clip16(n)).u32(clip32(layout.cdSize)).u32(clip32(layout.cdOffset)).u16(0);
  return w.bytes;
}

function segmentBytes(layout: ZipLayout, seg: ZipSegment): Uint8Array {
  if (seg.kind === 'local') return localHeader(layout.entries[seg.index]!);
  if (seg.kind === 'central') return centralHeader(layout.entries[seg.index]!);
  return endRecords(layout);
}

/** Index of the segment holding byte `pos` (binary search over the sorted segments). */
function segmentAt(segments: readonly ZipSegment[], pos: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid]!.start <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The pieces that make bytes [start, end) of the archive, in order. Header bytes are
 * built only for the segments the range touches; file content is a seek + length.
 */
export function* planRange(layout: ZipLayout, start = 0, end = layout.total): Generator<ZipPiece> {
  if (start < 0 || end > layout.total || start > end) throw new RangeError(`Bad range ${start}-${end} of ${layout.total}`);
  if (start === end) return;
  for (let i = segmentAt(layout.segments, start); i < layout.segments.length; i++) {
    const seg = layout.segments[i]!;
    if (seg.start >= end) return;
    const from = Math.max(start, seg.start) - seg.start;
    const to = Math.min(end, seg.start + seg.length) - seg.start;
    if (seg.kind === 'data') yield { kind: 'entry', index: seg.index, offset: from, length: to - from };
    else {
      const bytes = segmentBytes(layout, seg);
      yield { kind: 'bytes', bytes: from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to) };
    }
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC) of small in-memory content (the generated MANIFEST.tsv, LICENSE.txt ...). */
export function crc32(bytes: Uint8Array, prev = 0): number {
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
