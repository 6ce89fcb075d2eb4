import { describe, expect, it } from 'vitest';
import type { Card } from '../../contract/index.js';
import { archiveManifestLines, aria2Format, type DownloadFile, isListablePath, isListableRange, licenseText, type ListFormat, manifestFormat, scriptFormat } from './download-lists.js';
import { filePageOf } from './file-page.js';
import { isSafeEntryName } from './zip.js';
import { isSafeSubPath, utf8Length, writeUtf8 } from './zip-fingerprint.js';

/** The whole text of a list, as the services stream it page by page. */
const render = (format: ListFormat, files: DownloadFile[]) => format.head + files.map(format.line).join('') + format.tail;

const card = (license: Card['license']) => ({
  slug: 'x-ray', name: 'X Ray', source: { platform: 'kaggle', url: 'https://www.kaggle.com/datasets/a/b' }, license,
}) as unknown as Card;
const f = (path: string) => ({ id: 7, slug: 'x-ray', path, size: 3, sha256: 'a'.repeat(64) });

describe('download lists', () => {
  it('writes LICENSE.txt from the card, and says plainly when the licence is unknown', () => {
    expect(licenseText(card(null))).toBe('X Ray\n\nLicence: unknown, check the source before any use.\nSource: https://www.kaggle.com/datasets/a/b\n\n'
      + 'As recorded on the MedImg catalog card. The dataset keeps its own licence and terms: check them at the source before use.\n');
    const cc = licenseText(card({ id: 'CC-BY-4.0', name: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/', commercial_use: 'yes' }));
    expect(cc).toContain('Licence: CC-BY-4.0\nName: Creative Commons Attribution 4.0\nText: https://creativecommons.org/licenses/by/4.0/\nCommercial use allowed\n');
  });

  it('keeps paths that would break a TSV line, an aria2 entry or the script out of every list', () => {
    for (const bad of ['a\tb', 'a\nb', 'a\rb', '../x', '/etc/passwd', 'a\\b', 'a\x7fb']) expect(isListablePath(bad)).toBe(false);
    expect(isListablePath('ok dir/ü.png')).toBe(true);
    const files = [f('good.png'), f('bad\nMEDIMG_FILE_LIST\nrm -rf /'), f('tab\there')];
    expect(render(manifestFormat('http://h'), files)).toBe(`url\tpath\tsize\tsha256\nhttp://h/api/v1/files/7/raw\tx-ray/good.png\t3\t${'a'.repeat(64)}\n`);
    expect(render(aria2Format('http://h'), files)).toBe(`http://h/api/v1/files/7/raw\n  out=x-ray/good.png\n  checksum=sha-256=${'a'.repeat(64)}\n`);
    const script = render(scriptFormat({ title: 'T', defaultDir: 'd', baseUrl: 'http://h', external: [] }), files);
    expect(script).not.toContain('rm -rf');
    expect(script.match(/^MEDIMG_FILE_LIST$/gm)).toHaveLength(1);
  });

  // Paths that are hard to get right: climbing, empty segments, separators, control characters, drive letters, non-ASCII, lone surrogates.
  const tricky = ['a', 'a/b', 'a//b', '/a', 'a/', '.', '..', './a', 'a/.', 'a/..', '../x', 'a/../b', '.a', 'a..', '...', 'a/.../b', 'a\\b', 'a\0b',
    'C:x', 'c:/x', 'x/C:y', '1:x', '@:x', '[:x', '`:x', '{:x', 'Z:', 'z:y', 'a\tb', 'a\nb', 'a\x7fb', 'a\x1fb', 'ü.png', '中文/😀.txt', 'a\ud800b', '\udc00', 'x y', ''];

  // The rules as regular expressions, as they were written before the checks over text ranges.
  const UNSAFE_NAME = /^\/|^[a-zA-Z]:|[\\\0]|(^|\/)\.{0,2}(\/|$)/;
  const safeName = (name: string) => name !== '' && !UNSAFE_NAME.test(name);
  const listable = (path: string) => safeName(path) && !/[\x00-\x1f\x7f]/.test(path);

  it('checks and measures a path inside a text exactly as the string checks do, without making it', () => {
    for (const p of tricky) {
      expect(isSafeEntryName(p), JSON.stringify(p)).toBe(safeName(p));
      expect(isListablePath(p), JSON.stringify(p)).toBe(listable(p));
      const text = `junk/..\t${p}\0more`;
      const [start, end] = [8, 8 + p.length];
      expect(isSafeSubPath(text, start, end), JSON.stringify(p)).toBe(safeName(`ds/${p}`));
      expect(isListableRange(text, start, end), JSON.stringify(p)).toBe(listable(p));
      expect(utf8Length(text, start, end)).toBe(new TextEncoder().encode(p).length);
      const b = new Uint8Array(3 * p.length + 2).fill(0xee);
      const n = writeUtf8(b, 1, text, start, end);
      expect(Buffer.from(b.subarray(1, 1 + n)).equals(Buffer.from(new TextEncoder().encode(p)))).toBe(true);
      expect([b[0], b[1 + n] ?? 0xee]).toEqual([0xee, 0xee]);
    }
  });

  it('writes the archive manifest lines of a page as the text of each listable file, in UTF-8', () => {
    const rows = tricky.map((path, i) => ({ id: i, path, size: i * 1_000_003, mtime_ms: 0, sha256: i % 2 ? 'a'.repeat(64) : 'b'.repeat(64), crc32: null }));
    const want = rows.filter((r) => listable(r.path)).map((r) => `${r.path}\t${r.size}\t${r.sha256}\n`).join('');
    expect(want.split('\n').length).toBeGreaterThan(10);
    expect(Buffer.from(archiveManifestLines(filePageOf(rows))).equals(Buffer.from(new TextEncoder().encode(want)))).toBe(true);
    expect(archiveManifestLines(filePageOf([])).length).toBe(0);
  });

  it('quotes the notes about datasets not mirrored here', () => {
    const script = render(scriptFormat({ title: 'T', defaultDir: 'd', baseUrl: 'http://h', external: [{ slug: 'k', name: "it's $(x)", source_url: 'https://k.example', source_command: 'kaggle datasets download -d a/b' }] }), []);
    expect(script).toContain(`echo 'k (it'\\''s $(x)) is not mirrored on this server: get it from its source.'`);
    expect(script).toContain(`echo '  usual command: kaggle datasets download -d a/b'`);
  });
});
