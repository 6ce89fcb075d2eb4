// Shared by the text-header volume formats (MetaImage, NRRD): reads the header lines of a file whose
// header is text and whose data may follow in the same file.
import type { Source } from './io.js';

const MAX_HEADER = 64 * 1024;

/** Header lines up to `stop` (a predicate on a line) or the first blank line; fails if none within 64 KiB. */
export async function headerLines(src: Source, stop: (line: string) => boolean): Promise<string[]> {
  const buf = await src.readUpTo(0, MAX_HEADER);
  const lines: string[] = [];
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) {
      // The whole file is a header without trailing newline (a detached .mhd or .nhdr).
      if (buf.length === src.size && pos < buf.length) lines.push(buf.toString('latin1', pos).trim());
      else if (pos < buf.length) src.fail('header longer than 64 KiB');
      return lines;
    }
    const line = buf.toString('latin1', pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    if (line.includes('\0')) src.fail('binary data in a text header');
    if (line.trim() === '' && lines.length > 0) return lines;
    lines.push(line);
    if (stop(line)) return lines;
  }
}

/** "key = value" (MetaImage) or "key: value" (NRRD) pairs, keys lower-cased. */
export function fields(lines: string[], separator: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = separator.exec(l);
    if (m) out.set(l.slice(0, m.index).trim().toLowerCase(), l.slice(m.index + m[0].length).trim());
  }
  return out;
}

export function numbers(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [];
  return value.trim().split(/\s+/).map(Number);
}
