import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { InvalidInputError } from '../domain/errors.js';
import { createDownloadClient } from '../main.js';
import type { DownloadReport, Progress } from '../services/download-client.service.js';
import { fmtTime } from './progress.js';

export const DOWNLOAD_USAGE = 'medimg download <slug|selection-id> --out <dir> [--server URL] [--path PREFIX] [--label L] [--jobs N]';

export interface DownloadArgs { target: string; out: string; server?: string; path?: string; label?: string; jobs: number }

export function parseDownloadArgs(args: string[]): DownloadArgs {
  const positional: string[] = [];
  const opts: Record<string, string> = {};
  const names = ['out', 'server', 'path', 'label', 'jobs'];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([a-z]+)(?:=(.*))?$/s.exec(a);
    if (m && names.includes(m[1]!)) {
      const value = m[2] ?? args[++i];
      if (value === undefined || value === '') throw new InvalidInputError(`--${m[1]} needs a value\nUsage: ${DOWNLOAD_USAGE}`);
      opts[m[1]!] = value;
    } else if (a.startsWith('-')) throw new InvalidInputError(`unknown option ${a}\nUsage: ${DOWNLOAD_USAGE}`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new InvalidInputError(`expected one dataset slug or selection id\nUsage: ${DOWNLOAD_USAGE}`);
  if (!opts.out) throw new InvalidInputError(`--out <dir> is required\nUsage: ${DOWNLOAD_USAGE}`);
  const jobs = opts.jobs === undefined ? 4 : Number(opts.jobs);
  if (!/^\d+$/.test(opts.jobs ?? '4') || jobs < 1 || jobs > 64) throw new InvalidInputError(`--jobs must be an integer from 1 to 64, got "${opts.jobs}"`);
  return { target: positional[0]!, out: opts.out, server: opts.server, path: opts.path, label: opts.label, jobs };
}

const mib = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`);

/** One line: bar, bytes done/total, rate, ETA, files done/total. */
export function downloadLine(p: Progress, now = Date.now(), width = 24): string {
  const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1;
  const filled = Math.round(frac * width);
  const secs = (now - p.startedAt) / 1000;
  const rate = secs > 0 ? p.received / secs : null;
  const eta = rate && rate > 0 ? Math.ceil(Math.max(0, p.bytesTotal - p.bytesDone) / rate) : null;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${mib(p.bytesDone)}/${mib(p.bytesTotal)}  ${rate === null ? '--' : mib(rate)}/s  ETA ${fmtTime(eta)}  ${p.filesDone}/${p.filesTotal} files${p.failed ? `, ${p.failed} failed` : ''}`;
}

function progressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  return {
    update(p: Progress) {
      const now = Date.now();
      if (now - last < (stream.isTTY ? 200 : 2000)) return;
      last = now;
      stream.write(stream.isTTY ? `\r${downloadLine(p, now)}\x1b[K` : `${downloadLine(p, now)}\n`);
    },
    done(p: Progress) {
      stream.write(`${stream.isTTY ? '\r' : ''}${downloadLine(p)}\x1b[K\n`);
    },
  };
}

/** Plain-text summary; every failed or refused file is named. */
export function summary(r: DownloadReport, p?: Progress, now = Date.now()): { out: string; err: string } {
  const ok = r.downloaded + r.present;
  const out = `${ok} of ${r.files} file(s) (${mib(r.bytes)}) verified by size and SHA-256: ${r.downloaded} downloaded, ${r.present} already present`
    + `${r.repaired.length ? `, ${r.repaired.length} corrupt one(s) fetched again` : ''}`
    + `${p ? `; ${mib(p.received)} received in ${((now - p.startedAt) / 1000).toFixed(1)} s` : ''}.\n`;
  const lines: string[] = [];
  if (r.refused.length) {
    lines.push(`refused ${r.refused.length} manifest line(s) (not written):`);
    for (const x of r.refused) lines.push(`  line ${x.line} ${JSON.stringify(x.path)}: ${x.reason}`);
  }
  if (r.failed.length) {
    lines.push(`${r.failed.length} file(s) failed download or verification:`);
    for (const x of r.failed) lines.push(`  ${x.path}: ${x.reason}`);
  }
  return { out, err: lines.length ? `${lines.join('\n')}\n` : '' };
}

/** Talks HTTP only (no database): fetches the manifest, downloads, verifies. Exit 0 when every file is verified. */
export async function downloadCommand(config: Config, args: string[]): Promise<number> {
  const a = parseDownloadArgs(args);
  const out = resolve(a.out);
  const server = a.server ?? config.server;
  const client = createDownloadClient();
  const m = await client.manifest({ server, target: a.target, out, path: a.path, label: a.label });
  for (const d of m.notMirrored) {
    console.error(`not mirrored on this server: ${d.slug}; get it from ${d.source_url ?? 'its source'}${d.source_command ? `  (${d.source_command})` : ''}`);
  }
  if (m.entries.length === 0 && m.refused.length === 0) {
    console.error(`medimg: nothing to download: ${m.url} lists no file${m.kind === 'dataset' ? ` (is ${a.target} mirrored on this server${a.path || a.label ? ', and does --path/--label match anything' : ''}?)` : ''}`);
    return 1;
  }
  console.error(`Downloading ${m.entries.length} file(s), ${mib(m.entries.reduce((s, e) => s + e.size, 0))}, into ${out} (${a.jobs} at a time)`);
  const printer = progressPrinter();
  let last: Progress | undefined;
  const report = await client.download(m, { out, jobs: a.jobs, onProgress: (p) => { last = p; printer.update(p); } });
  if (last) printer.done(last);
  const { out: text, err } = summary(report, last);
  process.stdout.write(text);
  if (err) process.stderr.write(`medimg: ${err}`);
  return report.failed.length || report.refused.length ? 1 : 0;
}
