import { describe, expect, it } from 'vitest';
import { filePageOf, lastPath, parseFilePage, pathAt, sameButTimes, sha256At } from './file-page.js';

const SHA = 'a'.repeat(64);
const record = (id: number | string, size: number | string, mtime: number | string, crc: string, path: string, sha = SHA) => `${id},${size},${mtime},${crc},${sha}\t${path}\0`;

describe('index pages as one string', () => {
  it('reads records with any path (commas, tabs, non-ASCII) and CRC-32s in either case or missing', () => {
    const text = record(7, 0, 1700000000123, '0000abcd', 'a,b\t,c.txt') + record(8, 2 ** 40, 0, '', 'ünï/😀') + record(9, 5, 6, 'FFFFFFFF', 'z');
    const p = parseFilePage(text, 3)!;
    expect(p).not.toBeNull();
    expect([0, 1, 2].map((k) => [p.ids[k], pathAt(p, k), p.sizes[k], p.mtimes[k], sha256At(p, k), p.crcs[k]])).toEqual([
      [7, 'a,b\t,c.txt', 0, 1700000000123, SHA, 0xabcd], [8, 'ünï/😀', 2 ** 40, 0, SHA, 0], [9, 'z', 5, 6, SHA, 0xffffffff],
    ]);
    expect(p.noCrc).toEqual([1]);
    expect(lastPath(p)).toBe('z');
  });

  it('refuses anything else, so that the page is read as rows instead', () => {
    const bad = [
      record(1, 2.5, 3, '', 'x'), // a fractional number
      record(1, 2, '1.7e12', '', 'x'),
      record(1, -2, 3, '', 'x'),
      record(1, '1234567890123456', 3, '', 'x'), // more digits than a double holds exactly
      record('', 2, 3, '', 'x'),
      record(1, 2, 3, 'abc', 'x'), // not 8 hex digits
      record(1, 2, 3, '0000abcdef', 'x'),
      record(1, 2, 3, '0000abcg', 'x'),
      `1,2,3,,${SHA}x\0`, // no tab before the path
      `1,2,3,,${SHA}\tx`, // no NUL after it
    ];
    for (const text of bad) expect(parseFilePage(text, 1), JSON.stringify(text)).toBeNull();
    expect(parseFilePage(record(1, 2, 3, '', 'x'), 2)).toBeNull(); // fewer records than counted
    expect(parseFilePage(record(1, 2, 3, '', 'x') + 'extra', 1)).toBeNull(); // more text than records
  });

  it('is made the same from rows', () => {
    const p = filePageOf([
      { id: 1, path: 'a\tb', size: 3, mtime_ms: 4.5, sha256: SHA, crc32: '0000000f' },
      { id: 2, path: 'c', size: 0, mtime_ms: 0, sha256: SHA, crc32: null },
      { id: 3, path: 'd', size: 0, mtime_ms: 0, sha256: SHA, crc32: 'nothex!!' },
    ]);
    expect([0, 1, 2].map((k) => [p.ids[k], pathAt(p, k), p.sizes[k], p.mtimes[k], sha256At(p, k), p.crcs[k]])).toEqual([
      [1, 'a\tb', 3, 4.5, SHA, 15], [2, 'c', 0, 0, SHA, 0], [3, 'd', 0, 0, SHA, 0],
    ]);
    expect(p.noCrc).toEqual([1, 2]);
  });

  it('tells a page whose files changed only in modification time from one whose files changed', () => {
    const rows = [
      { id: 1, path: 'a/ü.txt', size: 3, mtime_ms: 5, sha256: SHA, crc32: '0000000f' },
      { id: 2, path: 'b', size: 0, mtime_ms: 1700000000000, sha256: 'b'.repeat(64), crc32: null },
    ];
    const base = filePageOf(rows);
    const other = (k: number, change: Record<string, unknown>) => filePageOf(rows.map((r, i) => (i === k ? { ...r, ...change } : r)));
    // Times of other lengths move every record after them in the text.
    expect(sameButTimes(base, other(0, { mtime_ms: 1700000000999 }))).toBe(true);
    expect(sameButTimes(base, other(1, { mtime_ms: 0 }))).toBe(true);
    expect(sameButTimes(base, base)).toBe(true);
    const changed = [
      other(0, { id: 9 }), other(0, { size: 4 }), other(0, { crc32: '0000000e' }), other(0, { crc32: null }), other(1, { crc32: '00000000' }),
      other(0, { sha256: `${SHA.slice(1)}b` }), other(0, { path: 'a/u.txt' }), other(1, { path: 'bb' }), other(1, { path: 'c' }), filePageOf(rows.slice(0, 1)),
    ];
    for (const [i, p] of changed.entries()) expect(sameButTimes(base, p), `change ${i}`).toBe(false);
  });
});
