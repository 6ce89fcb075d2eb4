// HTTP byte ranges (RFC 9110 section 14) and download headers, as pure functions.

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number /* inclusive */ }
  | { kind: 'unsatisfiable' };

/**
 * One byte range of a representation of `size` bytes. A header that is absent, not
 * `bytes=`, malformed or asks for several ranges is ignored (a 200 with everything:
 * RFC 9110 14.2 lets a server ignore Range). A valid range that starts at or past the
 * end, or an empty suffix, is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix)) return { kind: 'full' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (!Number.isSafeInteger(start) || (m[2] !== '' && !Number.isSafeInteger(last)) || last < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

/**
 * If-Range (RFC 9110 13.1.5): the range applies only when the validator still matches.
 * An entity tag must match strongly (a weak one never does); a date must equal Last-Modified.
 */
export function ifRangeMatches(ifRange: string | undefined, etag: string, lastModifiedMs: number | null): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('W/')) return false;
  if (v.startsWith('"')) return v === etag;
  const date = Date.parse(v);
  return lastModifiedMs !== null && !Number.isNaN(date) && date === Math.floor(lastModifiedMs / 1000) * 1000;
}

/** `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 + RFC 8187). */
export function contentDisposition(name: string): string {
  const base = name.split('/').pop() || 'download';
  // ASCII fallback: no quotes, backslashes, controls, path separators or non-ASCII.
  const ascii = base.replace(/[^\x20-\x7e]|["\\%;]/g, '_').replace(/^\.+/, '_') || 'download';
  const encoded = Array.from(new TextEncoder().encode(base), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const TYPES: Record<string, string> = {
  png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp', tiff: 'image/tiff',
  netpbm: 'image/x-portable-anymap', dicom: 'application/dicom', wav: 'audio/wav', ogg: 'audio/ogg',
  webm: 'video/webm', mp4: 'video/mp4', mov: 'video/quicktime', avi: 'video/x-msvideo', csv: 'text/csv; charset=utf-8',
  hdf5: 'application/x-hdf5', nifti: 'application/octet-stream',
};

/** Content-Type of a file by its detected format id; anything unknown is octet-stream (never sniffed as HTML). */
export function contentTypeFor(format: string): string {
  return TYPES[format] ?? 'application/octet-stream';
}
