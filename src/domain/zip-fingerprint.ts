// Helpers of zip-plan.ts that need no ZIP knowledge: UTF-8 lengths and bytes of names, and checks
// of paths, all over a range of a text (a page's paths are ranges of one string: no string is made
// per file), and the change detector kept per page of a plan.

/** UTF-8 byte length of s[start, end) without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string, start = 0, end = s.length): number {
  let n = end - start;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 2; i++; }
    else n += 2;
  }
  return n;
}

const encoder = new TextEncoder();

/** Writes s[start, end) as UTF-8 into b at p (room: 3 bytes per UTF-16 unit); returns the bytes written. ASCII is copied char by char, without a view or a string. */
export function writeUtf8(b: Uint8Array, p: number, s: string, start = 0, end = s.length): number {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return i - start + encoder.encodeInto(s.slice(i, end), b.subarray(p + i - start)).written;
    b[p + i - start] = c;
  }
  return end - start;
}

/**
 * Whether s[start, end), a path below a folder, keeps an entry `<folder>/<path>` inside it: no
 * empty, '.' or '..' segment (so no leading or trailing '/'), no backslash, no NUL.
 */
export function isSafeSubPath(s: string, start = 0, end = s.length): boolean {
  if (start >= end) return false;
  let seg = start;
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 0x2f;
    if (c === 0x5c || (c === 0 && i < end)) return false;
    if (c !== 0x2f) continue;
    const n = i - seg;
    if (n === 0 || (n === 1 && s.charCodeAt(seg) === 0x2e) || (n === 2 && s.charCodeAt(seg) === 0x2e && s.charCodeAt(seg + 1) === 0x2e)) return false;
    seg = i + 1;
  }
  return true;
}

/** Whether s[start, end) has a control character (U+0000-U+001F, U+007F). */
export function hasControl(s: string, start = 0, end = s.length): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Two 32-bit FNV-1a hashes over the entry fields of a page (a change detector, not a security hash). */
export class Fingerprint {
  private a = 0x811c9dc5;
  private b = 0x01000193;
  /** Adds s[start, end) (the whole string by default). */
  add(s: string, start = 0, end = s.length) {
    let a = this.a;
    let b = this.b;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    this.a = a;
    this.b = b;
  }
  /** The same as add(`${n}\t`) for a non-negative integer, without making the string (two per row while planning). */
  num(n: number) {
    if (!Number.isInteger(n) || n < 0 || n >= 1e15) {
      this.add(`${n}\t`);
      return;
    }
    let p = 1;
    while (p * 10 <= n) p *= 10;
    let a = this.a;
    let b = this.b;
    for (let rest = n; p >= 1; p /= 10) {
      const d = Math.floor(rest / p);
      rest -= d * p;
      a = Math.imul(a ^ (48 + d), 0x01000193);
      b = Math.imul(b ^ (48 + d), 0x5bd1e995) ^ (b >>> 15);
    }
    this.a = Math.imul(a ^ 9, 0x01000193);
    this.b = Math.imul(b ^ 9, 0x5bd1e995) ^ (b >>> 15);
  }
  digest() { return `${(this.a >>> 0).toString(16)}${(this.b >>> 0).toString(16)}`; }
}
