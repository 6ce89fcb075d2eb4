// A deterministic ZIP layout for streaming (PKWARE APPNOTE 6.3.10): STORED entries,
// no data descriptors (CRC-32 and sizes sit in the local header, known from the index),
// fixed DOS time, UTF-8 names (general purpose bit 11), ZIP64 only where a value overflows.
// These are the records; zip-plan.ts places them, so that every offset is known before the
// first byte: an archive has a Content-Length and any byte range is produced by seeking.
// Names are written char by char when ASCII (nearly all): encodeInto needs a view and returns an
// object, two allocations per header that made most of an archive stream's garbage.
import { isSafeSubPath, writeUtf8 } from './zip-fingerprint.js';

/** What the headers of an entry are made of. */
export interface ZipEntry {
  /** Full name inside the archive (stored as UTF-8). */
  name: string;
  size: number;
  /** CRC-32 (ISO-HDLC) of the whole content, as an unsigned 32-bit integer. */
  crc32: number;
}

export const MAX32 = 0xffffffff;
export const MAX16 = 0xffff;
const UTF8_FLAG = 0x0800;
const VERSION_ZIP64 = 45;
const VERSION_DEFAULT = 20;
const MADE_BY = (3 << 8) | VERSION_ZIP64; // Unix, spec 4.5
const EXTERNAL_ATTR = (0o100644 << 16) >>> 0; // regular file, rw-r--r--
/** 1980-01-01 00:00:00, the DOS epoch: the same for every entry and every run. */
export const DOS_DATE = (0 << 9) | (1 << 5) | 1;
export const DOS_TIME = 0;

/**
 * Refuses names a careless extractor could write outside its target folder (zip-slip): a drive
 * letter (`C:`) at the start, or what isSafeSubPath refuses (a leading /, a backslash or NUL, an
 * empty, . or .. segment). Checks name[start, end), the whole name by default.
 */
export function isSafeEntryName(name: string, start = 0, end = name.length): boolean {
  const c = name.charCodeAt(start) | 0x20; // lower case for letters
  const driveLetter = end - start >= 2 && c >= 0x61 && c <= 0x7a && name.charCodeAt(start + 1) === 0x3a;
  return !driveLetter && isSafeSubPath(name, start, end);
}

export const centralExtraLen = (e: { size: number; headerOffset: number }) =>
  (e.size >= MAX32 ? 16 : 0) + (e.headerOffset >= MAX32 ? 8 : 0);
export const extraBlockLen = (payload: number) => (payload > 0 ? 4 + payload : 0);

const utf8 = new TextEncoder();


// Little-endian fields written byte by byte: ~10x faster than DataView calls per small header.
const u16 = (b: Uint8Array, p: number, v: number) => { b[p] = v; b[p + 1] = v >>> 8; };
const u32 = (b: Uint8Array, p: number, v: number) => { b[p] = v; b[p + 1] = v >>> 8; b[p + 2] = v >>> 16; b[p + 3] = v >>> 24; };
const u64 = (b: Uint8Array, p: number, v: number) => { u32(b, p, v % 0x100000000); u32(b, p + 4, Math.floor(v / 0x100000000)); };
export const localHeaderLen = (nameLen: number, size: number) => 30 + nameLen + (size >= MAX32 ? 20 : 0);
export const centralHeaderLen = (nameLen: number, size: number, headerOffset: number) => 46 + nameLen + extraBlockLen(centralExtraLen({ size, headerOffset }));

/** Writes the name `prefix` (UTF-8) and text[start, end) at `p` (room: prefix + 3 bytes per UTF-16 unit); returns its byte length. */
function writeNameOf(b: Uint8Array, p: number, prefix: Uint8Array, text: string, start: number, end: number): number {
  b.set(prefix, p);
  return prefix.length + writeUtf8(b, p + prefix.length, text, start, end);
}

/** The local header's fields around a name of `nameLen` bytes already at p + 30; returns where it ends. */
function localFields(b: Uint8Array, p: number, nameLen: number, size: number, crc: number): number {
  const zip64 = size >= MAX32;
  const size32 = zip64 ? MAX32 : size;
  u32(b, p, 0x04034b50); u16(b, p + 4, zip64 ? VERSION_ZIP64 : VERSION_DEFAULT); u16(b, p + 6, UTF8_FLAG); u16(b, p + 8, 0);
  u16(b, p + 10, DOS_TIME); u16(b, p + 12, DOS_DATE); u32(b, p + 14, crc); u32(b, p + 18, size32); u32(b, p + 22, size32);
  u16(b, p + 26, nameLen); u16(b, p + 28, zip64 ? 20 : 0);
  let q = p + 30 + nameLen;
  // ZIP64 extended information (APPNOTE 4.5.3): in a local header it holds both sizes.
  if (zip64) {
    u16(b, q, 0x0001); u16(b, q + 2, 16); u64(b, q + 4, size); u64(b, q + 12, size);
    q += 20;
  }
  return q;
}

/** The central header's fields around a name of `nameLen` bytes already at p + 46; returns where it ends. */
function centralFields(b: Uint8Array, p: number, nameLen: number, size: number, crc: number, headerOffset: number): number {
  const zip64 = size >= MAX32;
  const extra = centralExtraLen({ size, headerOffset });
  const size32 = zip64 ? MAX32 : size;
  u32(b, p, 0x02014b50); u16(b, p + 4, MADE_BY); u16(b, p + 6, extra > 0 ? VERSION_ZIP64 : VERSION_DEFAULT); u16(b, p + 8, UTF8_FLAG);
  u16(b, p + 10, 0); u16(b, p + 12, DOS_TIME); u16(b, p + 14, DOS_DATE); u32(b, p + 16, crc); u32(b, p + 20, size32); u32(b, p + 24, size32);
  u16(b, p + 28, nameLen); u16(b, p + 30, extraBlockLen(extra)); u16(b, p + 32, 0); u16(b, p + 34, 0); u16(b, p + 36, 0);
  u32(b, p + 38, EXTERNAL_ATTR); u32(b, p + 42, headerOffset >= MAX32 ? MAX32 : headerOffset);
  let q = p + 46 + nameLen;
  // Only the fields set to 0xFFFFFFFF above, in the order of APPNOTE 4.5.3.
  if (extra > 0) {
    u16(b, q, 0x0001); u16(b, q + 2, extra);
    q += 4;
    if (zip64) { u64(b, q, size); u64(b, q + 8, size); q += 16; }
    if (headerOffset >= MAX32) { u64(b, q, headerOffset); q += 8; }
  }
  return q;
}

/** Writes the local header of `e` into `b` at `p` (room: localHeaderLen); returns where it ends. */
function writeLocalHeader(b: Uint8Array, p: number, e: ZipEntry): number {
  return localFields(b, p, writeUtf8(b, p + 30, e.name), e.size, e.crc32);
}

/** The same, for the entry named `prefix` (UTF-8) and text[start, end): no string made for the name. */
export function writeLocalHeaderOf(b: Uint8Array, p: number, prefix: Uint8Array, text: string, start: number, end: number, size: number, crc: number): number {
  return localFields(b, p, writeNameOf(b, p + 30, prefix, text, start, end), size, crc);
}

/** Writes the central directory header of `e` (local header at `headerOffset`) into `b` at `p` (room: centralHeaderLen); returns where it ends. */
function writeCentralHeader(b: Uint8Array, p: number, e: ZipEntry, headerOffset: number): number {
  return centralFields(b, p, writeUtf8(b, p + 46, e.name), e.size, e.crc32, headerOffset);
}

/** The same, for the entry named `prefix` (UTF-8) and text[start, end). */
export function writeCentralHeaderOf(b: Uint8Array, p: number, prefix: Uint8Array, text: string, start: number, end: number, size: number, crc: number, headerOffset: number): number {
  return centralFields(b, p, writeNameOf(b, p + 46, prefix, text, start, end), size, crc, headerOffset);
}

/** The local header of `e` in a buffer of its own. */
export function localHeader(e: ZipEntry): Uint8Array {
  const b = new Uint8Array(localHeaderLen(utf8.encode(e.name).length, e.size));
  writeLocalHeader(b, 0, e);
  return b;
}

/** The central directory header of `e` in a buffer of its own. */
export function centralHeader(e: ZipEntry, headerOffset: number): Uint8Array {
  const b = new Uint8Array(centralHeaderLen(utf8.encode(e.name).length, e.size, headerOffset));
  writeCentralHeader(b, 0, e, headerOffset);
  return b;
}

export function endRecords(layout: { count: number; cdOffset: number; cdSize: number; zip64End: boolean }): Uint8Array {
  const n = layout.count;
  const b = new Uint8Array((layout.zip64End ? 76 : 0) + 22);
  let p = 0;
  if (layout.zip64End) {
    const zip64EndOffset = layout.cdOffset + layout.cdSize;
    u32(b, 0, 0x06064b50); u64(b, 4, 44); u16(b, 12, MADE_BY); u16(b, 14, VERSION_ZIP64); u32(b, 16, 0); u32(b, 20, 0);
    u64(b, 24, n); u64(b, 32, n); u64(b, 40, layout.cdSize); u64(b, 48, layout.cdOffset);
    u32(b, 56, 0x07064b50); u32(b, 60, 0); u64(b, 64, zip64EndOffset); u32(b, 72, 1);
    p = 76;
  }
  const clip16 = (v: number) => (layout.zip64End && v >= MAX16 ? MAX16 : v);
  const clip32 = (v: number) => (layout.zip64End && v >= MAX32 ? MAX32 : v);
  u32(b, p, 0x06054b50); u16(b, p + 4, 0); u16(b, p + 6, 0); u16(b, p + 8, clip16(n)); u16(b, p + 10, clip16(n));
  u32(b, p + 12, clip32(layout.cdSize)); u32(b, p + 16, clip32(layout.cdOffset)); u16(b, p + 20, 0);
  return b;
}
