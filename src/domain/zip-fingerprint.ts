// Helpers of zip-plan.ts that need no ZIP knowledge: the UTF-8 length of a name without encoding
// it, and the change detector kept per page of a plan.

/** UTF-8 byte length of a string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 2; i++; }
    else n += 2;
  }
  return n;
}

/** Two 32-bit FNV-1a hashes over the entry fields of a page (a change detector, not a security hash). */
export class Fingerprint {
  private a = 0x811c9dc5;
  private b = 0x01000193;
  add(s: string) {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < s.length; i++) {
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
