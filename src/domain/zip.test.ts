import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseRange, ifRangeMatches, contentDisposition } from './byte-range.js';
import { centralHeader, endRecords, isSafeEntryName, localHeader } from './zip.js';

describe('zip records', () => {
  it('writes local headers with CRC and sizes (no data descriptor), UTF-8 flag, fixed 1980 date', () => {
    const h = Buffer.from(localHeader({ name: 'ds/a.txt', size: 5, crc32: zlibCrc32('hello') }));
    expect(h.readUInt32LE(0)).toBe(0x04034b50);
    expect(h.readUInt16LE(6)).toBe(0x0800);
    expect(h.readUInt16LE(8)).toBe(0); // STORED
    expect(h.readUInt16LE(10)).toBe(0);
    expect(h.readUInt16LE(12)).toBe(0x21); // 1980-01-01
    expect(h.readUInt32LE(14)).toBe(zlibCrc32('hello'));
    expect(h.readUInt32LE(18)).toBe(5);
    expect(h.readUInt32LE(22)).toBe(5);
    expect(h.subarray(30).toString()).toBe('ds/a.txt');
    const c = Buffer.from(centralHeader({ name: 'ds/é/ü.txt', size: 1000, crc32: 1 }, 1234));
    expect(c.readUInt32LE(0)).toBe(0x02014b50);
    expect(c.readUInt32LE(42)).toBe(1234);
    expect(c.subarray(46).toString()).toBe('ds/é/ü.txt');
    const end = Buffer.from(endRecords({ count: 3, cdOffset: 500, cdSize: 200, zip64End: false }));
    expect(end.length).toBe(22);
    expect([end.readUInt32LE(0), end.readUInt16LE(10), end.readUInt32LE(12), end.readUInt32LE(16)]).toEqual([0x06054b50, 3, 200, 500]);
  });

  it('refuses entry names that could escape the extraction folder', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a\\b', 'C:/x', 'a//b', 'a/./b', '', 'a\0b', 'a/', '.', '..', 'a/..']) expect(isSafeEntryName(bad)).toBe(false);
    for (const good of ['ds/sub dir/ü.png', '.hidden', 'a/...', 'a..b/c', 'x.']) expect(isSafeEntryName(good)).toBe(true);
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
