// Delimited text (RFC 4180 CSV, and TSV). Only a bounded prefix is read: the first line is the header, the
// following complete lines are a sample. A file whose sampled rows are all numeric and whose first column
// is named like a time axis is a signal (one lead per other column, sample rate from the time step);
// anything else is a table.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'csv';
const SAMPLE_BYTES = 64 * 1024;
const MAX_COLUMNS = 100_000;
const TIME_COLUMN = /^(t|time|times|timestamp|sec|secs|seconds|s|ms|elapsed|elapsed.?time|time.?s|time.?sec|time.?ms|time.?\(s\)|time.?\[s\]|time.?\(ms\)|time.?\[ms\])$/i;

function splitLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) { out.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  out.push(cur.trim());
  return out;
}

export const csvHandler: FormatHandler = {
  id: ID,
  match: (_head, name) => (hasExt(name, ['.csv', '.tsv']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const buf = await src.readUpTo(0, SAMPLE_BYTES);
      if (buf.length === 0) src.fail('empty file');
      if (buf.includes(0)) src.fail('binary data in a text file');
      let text = buf.toString('utf8').replace(/^\uFEFF/, '');
      // Drop a last line cut by the sample window.
      if (buf.length < src.size) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
      const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
      if (lines.length === 0) return src.fail('no complete line in the first 64 KiB');
      const first = lines[0]!;
      const delimiter = ['\t', ';', ','].map((d) => [d, first.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
      const header = splitLine(first, delimiter);
      if (header.length > MAX_COLUMNS) src.fail('too many columns');
      const rows = lines.slice(1).map((l) => splitLine(l, delimiter));
      const numeric = rows.length >= 2 && rows.every((r) => r.length === header.length && r.every((v) => v !== '' && Number.isFinite(Number(v))));
      const timeName = header[0]!.replace(/^"|"$/g, '');
      if (!numeric || header.length < 2 || !TIME_COLUMN.test(timeName)) return { kind: 'table', format: ID };
      const t = rows.map((r) => Number(r[0]));
      const steps = t.slice(1).map((v, i) => v - t[i]!);
      const meta: FileMeta = { kind: 'signal', format: ID, leads: header.length - 1, leadNames: header.slice(1) };
      if (steps.every((s) => s > 0)) {
        const step = steps.sort((a, b) => a - b)[Math.floor(steps.length / 2)]!;
        const unit = /ms/i.test(timeName) ? 1000 : 1;
        meta.sampleRate = Number((unit / step).toPrecision(6));
      }
      return meta;
    });
  },
};
