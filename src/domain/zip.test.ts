import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseRange, ifRangeMatches, contentDisposition } from './byte-range.js';
import { centralHeader, crc32, endRecords, isSafeEntryName, layoutZip, localHeader, planRange, type ZipEntrySpec, type ZipLayout } from './zip.js';

const utf8 = new TextEncoder();
const spec = (name: string, content: string): ZipEntrySpec<Uint8Array> => {
  const data = utf8.encode(content);
  return { name, size: data.length, crc32: crc32(data), ref: data };
};

/** Materialises bytes [start, end) from the plan, with entry content from the refs. */
function render(layout: ZipLayout<Uint8Array>, start = 0, end = layout.total): Buffer {
  const parts: Uint8Array[] = [];
  for (const p of planRange(layout, start, end)) {
    parts.push(p.kind === 'bytes' ? p.bytes : layout.entries[p.index]!.ref.subarray(p.offset, p.offset + p.length));
  }
  return Buffer.concat(parts);
}

describe('zip layout', () => {
  const entries = [spec('ds/a.txt', 'hello'), spec('ds/empty', ''), spec('ds/é/ü.txt', 'x'.repeat(1000))];

  it('computes the CRC-32 like zlib', () => {
    for (const s of ['', 'a', 'hello world', 'x'.repeat(100_000)]) expect(crc32(utf8.encode(s))).toBe(zlibCrc32(s));
  });

  it('writes local headers with CRC and sizes (no data descriptor), UTF-8 flag, fixed 1980 date', () => {
    const l = layoutZip(entries);
    const h = Buffer.from(localHeader(l.entries[0]!));
    expect(h.readUInt32LE(0)).toBe(0x04034b50);
    expect(h.readUInt16LE(6)).toBe(0x0800);
    expect(h.readUInt16LE(8)).toBe(0); // STORED
    expect(h.readUInt16LE(10)).toBe(0);
    expect(h.readUInt16LE(12)).toBe(0x21); // 1980-01-01
    expect(h.readUInt32LE(14)).toBe(zlibCrc32('hello'));
    expect(h.readUInt32LE(18)).toBe(5);
    expect(h.readUInt32LE(22)).toBe(5);
    expect(h.subarray(30).toString()).toBe('ds/a.txt');
    const c = Buffer.from(centralHeader(l.entries[2]!));
    expect(c.readUInt32LE(0)).toBe(0x02014b50);
    expect(c.readUInt32LE(42)).toBe(l.entries[2]!.headerOffset);
    expect(c.subarray(46).toString()).toBe('ds/é/ü.txt');
  });

  it('adds up: the rendered archive has exactly `total` bytes and ends with the EOCD', () => {
    const l = layoutZip(entries);
    const all = render(l);
    expect(all.length).toBe(l.total);
    const eocd = all.subarray(all.length - 22);
    expect(eocd.readUInt32LE(0)).toBe(0x06054b50);
    expect(eocd.readUInt16LE(10)).toBe(3);
    expect(eocd.readUInt32LE(12)).toBe(l.cdSize);
    expect(eocd.readUInt32LE(16)).toBe(l.cdOffset);
    expect(l.zip64End).toBe(false);
    // The data of each entry is where its header says: read it back through the header.
    for (const e of l.entries) {
      const nameLen = all.readUInt16LE(e.headerOffset + 26);
      const extraLen = all.readUInt16LE(e.headerOffset + 28);
      const at = e.headerOffset + 30 + nameLen + extraLen;
      expect(all.subarray(at, at + e.size).equals(Buffer.from(e.ref))).toBe(true);
    }
  });

  it('is deterministic and any range equals the same slice of the whole', () => {
    const a = render(layoutZip(entries));
    const b = render(layoutZip(entries.map((e) => ({ ...e }))));
    expect(a.equals(b)).toBe(true);
    const l = layoutZip(entries);
    for (const [s, e] of [[0, 1], [0, 30], [29, 31], [35, 36], [10, 900], [l.total - 22, l.total], [l.cdOffset - 3, l.cdOffset + 50], [l.total - 1, l.total], [5, 5]]) {
      expect(render(l, s, e).equals(a.subarray(s, e))).toBe(true);
    }
    for (let s = 0; s < l.total; s += 97) expect(render(l, s, Math.min(l.total, s + 211)).equals(a.subarray(s, s + 211))).toBe(true);
  });

  it('plans a range by seeking: content before the range is never produced', () => {
    const big = { name: 'ds/big.bin', size: 10_000_000_000, crc32: 0, ref: new Uint8Array(0) };
    const l = layoutZip([big, spec('ds/z', 'z')]);
    const pieces = [...planRange(l, 5_000_000_000, 5_000_000_010)];
    expect(pieces).toEqual([{ kind: 'entry', index: 0, offset: 5_000_000_000 - l.entries[0]!.dataOffset, length: 10 }]);
  });

  it('switches to ZIP64 for sizes and offsets >= 4 GiB: extra fields, 0xFFFFFFFF markers, zip64 EOCD record and locator', () => {
    const big = { name: 'ds/big.bin', size: 0x1_0000_0000 + 5, crc32: 7, ref: new Uint8Array(0) };
    const l = layoutZip([big, { name: 'ds/after', size: 3, crc32: 1, ref: new Uint8Array(3) }]);
    const lh = Buffer.from(localHeader(l.entries[0]!));
    expect(lh.readUInt16LE(4)).toBe(45);
    expect(lh.readUInt32LE(18)).toBe(0xffffffff);
    expect(lh.readUInt16LE(28)).toBe(20);
    expect(lh.readUInt16LE(30 + 10)).toBe(0x0001);
    expect(Number(lh.readBigUInt64LE(30 + 10 + 4))).toBe(big.size);
    const ch = Buffer.from(centralHeader(l.entries[1]!)); // small entry, but its offset is past 4 GiB
    expect(ch.readUInt32LE(20)).toBe(3);
    expect(ch.readUInt32LE(42)).toBe(0xffffffff);
    expect(Number(ch.readBigUInt64LE(46 + 8 + 4))).toBe(l.entries[1]!.headerOffset);
    expect(l.zip64End).toBe(true);
    const end = Buffer.from(endRecords(l));
    expect(end.length).toBe(56 + 20 + 22);
    expect(end.readUInt32LE(0)).toBe(0x06064b50);
    expect(Number(end.readBigUInt64LE(48))).toBe(l.cdOffset);
    expect(end.readUInt32LE(56)).toBe(0x07064b50);
    expect(Number(end.readBigUInt64LE(64))).toBe(l.cdOffset + l.cdSize);
    expect(end.readUInt32LE(76 + 16)).toBe(0xffffffff);
    expect(l.total).toBe(l.cdOffset + l.cdSize + 98);
  });

  it('uses the zip64 end records for more than 65534 entries', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => ({ name: `d/${String(i).padStart(6, '0')}`, size: 0, crc32: 0, ref: new Uint8Array(0) }));
    const l = layoutZip(many);
    expect(l.zip64End).toBe(true);
    const end = Buffer.from(endRecords(l));
    expect(Number(end.readBigUInt64LE(32))).toBe(70_000);
    expect(end.readUInt16LE(76 + 10)).toBe(0xffff);
  });

  it('refuses entry names that could escape the extraction folder', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a\\b', 'C:/x', 'a//b', 'a/./b', '', 'a\0b']) expect(isSafeEntryName(bad)).toBe(false);
    expect(() => layoutZip([{ name: 'ds/../x', size: 0, crc32: 0, ref: null }])).toThrow(/Unsafe/);
    expect(isSafeEntryName('ds/sub dir/ü.png')).toBe(true);
  });
});

describe('byte ranges', () => {
  it('parses single, open and suffix ranges, and ignores what it cannot honour', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ kind: 'partial', start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=9-3', 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=abc', 100)).toEqual({ kind: 'full' });
  });

  it('applies If-Range only when the strong ETag or the exact date matches', () => {
    const lm = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    expect(ifRangeMatches(undefined, '"a"', lm)).toBe(true);
    expect(ifRangeMatches('"a"', '"a"', lm)).toBe(true);
    expect(ifRangeMatches('"b"', '"a"', lm)).toBe(false);
    expect(ifRangeMatches('W/"a"', '"a"', lm)).toBe(false);
    expect(ifRangeMatches(new Date(lm).toUTCString(), '"a"', lm)).toBe(true);
    expect(ifRangeMatches(new Date(lm + 1000).toUTCString(), '"a"', lm)).toBe(false);
    expect(ifRangeMatches('not a date', '"a"', lm)).toBe(false);
  });

  it('builds a safe Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('train/NORMAL/x 1.png')).toBe(`attachment; filename="x 1.png"; filename*=UTF-8''x%201.png`);
    expect(contentDisposition('a/ü"\r\n;.dcm')).toBe(`attachment; filename="_____.dcm"; filename*=UTF-8''%C3%BC%22%0D%0A%3B.dcm`);
    expect(contentDisposition('..hidden')).toMatch(/^attachment; filename="_/);
  });
});
