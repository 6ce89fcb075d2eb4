import { type Card, COMMERCIAL_USE, MANIFEST_HEADER } from '../../contract/index.js';
import { licenseLabel } from './citation.js';
import { isSafeEntryName } from './zip.js';
import { hasControl, utf8Length, writeUtf8 } from './zip-fingerprint.js';
import type { FilePage } from './file-page.js';

/** A mirrored file as downloads see it: addressed by id, named by slug + indexed relative path. */
export interface DownloadFile {
  id: number;
  slug: string;
  path: string;
  size: number;
  sha256: string;
}

/** Datasets in a selection that this server does not hold, with where to get them. */
export interface ExternalDataset {
  slug: string;
  name: string;
  source_url: string | null;
  source_command: string | null;
}

/**
 * Whether a path can be put in a TSV line, an aria2 input file and a shell here-document
 * without changing their structure: no control characters (tab, newline ...) and no climbing.
 */
export function isListablePath(path: string): boolean {
  return isListableRange(path, 0, path.length);
}

/** isListablePath of s[start, end), without making the string. */
export function isListableRange(s: string, start: number, end: number): boolean {
  return isSafeEntryName(s, start, end) && !hasControl(s, start, end);
}

export const rawUrl = (baseUrl: string, id: number) => `${baseUrl}/api/v1/files/${id}/raw`;

/**
 * A list of files as text: `head`, one `line` per file ('' leaves a file out), `tail`. Lists are
 * written page by page (services stream them), so that a list of a million files is never one
 * string.
 */
export interface ListFormat {
  head: string;
  line: (f: DownloadFile) => string;
  tail: string;
}

/** manifest.tsv of shared-api.md: url, `<slug>/<path>`, size, sha256; files come ordered by slug then path. */
export const manifestFormat = (baseUrl: string): ListFormat => ({
  head: `${MANIFEST_HEADER.join('\t')}\n`,
  line: (f) => (isListablePath(f.path) ? `${rawUrl(baseUrl, f.id)}\t${f.slug}/${f.path}\t${f.size}\t${f.sha256}\n` : ''),
  tail: '',
});

/** `<slug>/MANIFEST.tsv` inside an archive: this header, then one line per file, paths relative to the dataset folder. */
export const ARCHIVE_MANIFEST_HEADER = 'path\tsize\tsha256\n';
/**
 * The archive manifest's lines of a page of files, as UTF-8: path, size and SHA-256 of each file
 * whose path can be listed. Written straight from the page's text: no string per line or field.
 */
export function archiveManifestLines(page: FilePage): Uint8Array {
  const { text, pathStart, pathEnd, shaStart, sizes } = page;
  // Measured first, so that the lines are made at their size (a page's lines are kept with it).
  const listable = new Uint8Array(page.count);
  let bytes = 0;
  for (let k = 0; k < page.count; k++) {
    if (!isListableRange(text, pathStart[k]!, pathEnd[k]!)) continue;
    listable[k] = 1;
    // Path, tab, size, tab, SHA-256 (hex: a byte per character, ending at the tab before the path), newline.
    bytes += utf8Length(text, pathStart[k]!, pathEnd[k]!) + decimalLength(sizes[k]!) + (pathStart[k]! - 1 - shaStart[k]!) + 3;
  }
  const b = new Uint8Array(bytes);
  let p = 0;
  for (let k = 0; k < page.count; k++) {
    if (!listable[k]) continue;
    p += writeUtf8(b, p, text, pathStart[k]!, pathEnd[k]!);
    b[p++] = 0x09;
    p += writeDecimal(b, p, sizes[k]!);
    b[p++] = 0x09;
    p += writeUtf8(b, p, text, shaStart[k]!, pathStart[k]! - 1);
    b[p++] = 0x0a;
  }
  return b;
}

/** Digits of a whole number >= 0 in decimal (anything else: the length of its text). */
function decimalLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return utf8Length(String(n));
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  return digits;
}

/** Writes a whole number >= 0 (a file size) in decimal at p; returns the digits written. */
function writeDecimal(b: Uint8Array, p: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return writeUtf8(b, p, String(n));
  const digits = decimalLength(n);
  for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) b[p + i] = 48 + (x % 10);
  return digits;
}

/** aria2c input file (aria2c -i): the URL, then indented options for it. */
export const aria2Format = (baseUrl: string): ListFormat => ({
  head: '',
  line: (f) => (isListablePath(f.path) ? `${rawUrl(baseUrl, f.id)}\n  out=${f.slug}/${f.path}\n  checksum=sha-256=${f.sha256}\n` : ''),
  tail: '',
});

/** LICENSE.txt of a dataset: what its card records, and an honest "unknown" when nothing is. */
export function licenseText(card: Card): string {
  const lines = [`${card.name}`, ''];
  const l = card.license;
  if (!l) {
    lines.push('Licence: unknown, check the source before any use.');
  } else {
    lines.push(`Licence: ${licenseLabel(card) ?? 'unknown'}`);
    if (l.id && l.name) lines.push(`Name: ${l.name}`);
    if (l.url) lines.push(`Text: ${l.url}`);
    const cu = (COMMERCIAL_USE as Record<string, string>)[l.commercial_use];
    lines.push(cu ?? `Commercial use: ${l.commercial_use}`);
  }
  lines.push(`Source: ${card.source.url}`, '',
    'As recorded on the MedImg catalog card. The dataset keeps its own licence and terms: check them at the source before use.');
  return `${lines.join('\n')}\n`;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A POSIX sh script that downloads every file with curl (resuming), verifies each SHA-256,
 * re-fetches what is corrupt, reports what failed and exits non-zero then. The file list
 * is a quoted here-document of tab-separated fields: nothing in it is expanded by the shell.
 */
export function scriptFormat(opts: { title: string; defaultDir: string; baseUrl: string; external: ExternalDataset[] }): ListFormat {
  const notes = opts.external.flatMap((d) => [
    `echo ${q(`${d.slug} (${d.name}) is not mirrored on this server: get it from its source.`)}`,
    `echo ${q(`  source: ${d.source_url ?? 'unknown'}`)}`,
    ...(d.source_command ? [`echo ${q(`  usual command: ${d.source_command}`)}`] : []),
  ]);
  const head = `#!/bin/sh
# ${opts.title.replace(/[\r\n]/g, ' ')}
# Usage: sh download.sh [target-folder]   (default: ${opts.defaultDir})
# Downloads the files listed at the end with curl, resumes partial files, verifies every SHA-256,
# re-downloads corrupt files, and exits non-zero naming the files that still fail.
set -eu
OUT=\${1:-${q(opts.defaultDir)}}
if command -v sha256sum >/dev/null 2>&1; then SHA='sha256sum'
elif command -v shasum >/dev/null 2>&1; then SHA='shasum -a 256'
else echo 'download.sh: needs sha256sum or shasum' >&2; exit 2; fi
command -v curl >/dev/null 2>&1 || { echo 'download.sh: needs curl' >&2; exit 2; }
${notes.join('\n')}
mkdir -p "$OUT"
TAB=$(printf '\\t')
ok=0; bad=0; FAILED="$OUT/.medimg-failed"; : > "$FAILED"
sum_ok() { [ -f "$1" ] && [ "$($SHA "$1" | cut -d' ' -f1)" = "$2" ]; }
size_of() { if [ -f "$1" ]; then wc -c < "$1" | tr -d ' '; else echo -1; fi; }
fetch() { curl --fail --silent --show-error --location --retry 5 --retry-delay 2 "$@" </dev/null; }
while IFS="$TAB" read -r url path size sha; do
  dest="$OUT/$path"
  if sum_ok "$dest" "$sha"; then ok=$((ok + 1)); continue; fi
  mkdir -p "$(dirname "$dest")"
  have=$(size_of "$dest")
  if [ "$have" -ge 0 ] && [ "$have" -lt "$size" ]; then fetch -C - -o "$dest" "$url" || true; fi
  if ! sum_ok "$dest" "$sha"; then rm -f "$dest"; fetch -o "$dest" "$url" || true; fi
  # Some curl versions write no file at all for an empty body.
  if [ "$size" -eq 0 ] && [ ! -f "$dest" ]; then : > "$dest"; fi
  if sum_ok "$dest" "$sha"; then ok=$((ok + 1)); else bad=$((bad + 1)); printf '%s\\n' "$path" >> "$FAILED"; fi
done <<'MEDIMG_FILE_LIST'
`;
  const tail = `MEDIMG_FILE_LIST
echo "verified: $ok file(s) in $OUT"
if [ "$bad" -gt 0 ]; then
  echo "FAILED: $bad file(s) missing or with a wrong SHA-256:" >&2
  sed 's/^/  /' "$FAILED" >&2
  exit 1
fi
rm -f "$FAILED"
`;
  return { head, line: (f) => (isListablePath(f.path) ? `${rawUrl(opts.baseUrl, f.id)}\t${f.slug}/${f.path}\t${f.size}\t${f.sha256}\n` : ''), tail };
}
