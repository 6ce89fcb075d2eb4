// Samples of physiological signal files for waveform thumbnails: WFDB records (PhysioNet header(5) and
// signal(5) formats 16 and 212) and EDF / EDF+ (European Data Format, Kemp et al. 1992; edfplus.info).
// EDF's patient and recording identification fields are skipped, never decoded.
import { stat } from 'node:fs/promises';
import { FormatError } from '../types.js';
import { readRange, siblingPath } from './volume.js';
import { MAX_CHANNELS, readFrames } from './waveform.js';

const MAX_HEADER = 256 * 1024;

async function readHead(path: string, max: number): Promise<Buffer> {
  const { size } = await stat(path);
  return readRange(path, 0, Math.min(size, max), 'signal', 'header');
}

interface WfdbGroup { file: string; format: number; offset: number; signals: number }

/**
 * WFDB header(5): a record line "name[/segments] nsig [fs [nsamp ...]]", then one line per signal
 * "file format[xspf][:skew][+offset] ..."; '#' starts a comment. Signals stored in one file are interleaved
 * frame by frame. Format 16: 16-bit two's complement little endian. Format 212: pairs of 12-bit two's
 * complement samples in 3 bytes (signal(5)).
 */
export async function wfdbChannels(headerPath: string): Promise<Float32Array[]> {
  const F = 'wfdb';
  const lines = (await readHead(headerPath, MAX_HEADER)).toString('latin1').split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l !== '');
  const record = lines[0]?.split(/\s+/) ?? [];
  if (record.length < 2 || record[0]!.includes('/')) throw new FormatError(F, record[0]?.includes('/') ? 'multi-segment records cannot be previewed' : 'invalid record line');
  const nsig = Number(record[1]);
  if (!Number.isInteger(nsig) || nsig < 1 || nsig > 4096 || lines.length < 1 + nsig) throw new FormatError(F, 'invalid number of signals');
  const nsamp = record[3] !== undefined ? Number(record[3]) : undefined;
  const groups: WfdbGroup[] = [];
  for (let i = 0; i < nsig; i++) {
    const [file = '', spec = ''] = lines[1 + i]!.split(/\s+/);
    const m = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(spec);
    if (!m) throw new FormatError(F, 'invalid signal format');
    const format = Number(m[1]);
    if (format !== 16 && format !== 212) throw new FormatError(F, `signal format ${format} cannot be previewed`);
    if (m[2] !== undefined && m[2] !== '1') throw new FormatError(F, 'multiple samples per frame cannot be previewed');
    const last = groups[groups.length - 1];
    if (last && last.file === file) {
      if (last.format !== format) throw new FormatError(F, 'mixed formats in one file');
      last.signals++;
    } else groups.push({ file, format, offset: Number(m[4] ?? 0), signals: 1 });
  }
  const channels: Float32Array[] = [];
  for (const g of groups) {
    if (channels.length >= MAX_CHANNELS) break;
    const path = siblingPath(headerPath, g.file, F);
    // Format 212 packs two samples in 3 bytes: read whole pairs of frames so that every run starts aligned.
    const unit = g.format === 16 ? 2 * g.signals : 3 * g.signals;
    const perUnit = g.format === 16 ? 1 : 2;
    const { size } = await stat(path);
    const frames = nsamp && nsamp > 0 ? Math.ceil(nsamp / perUnit) : Math.floor((size - g.offset) / unit);
    const { buf, frames: units } = await readFrames(path, g.offset, unit, frames, F);
    const n = units * perUnit;
    const out = Array.from({ length: Math.min(g.signals, MAX_CHANNELS - channels.length) }, () => new Float32Array(n));
    for (let k = 0; k < n * g.signals; k++) {
      const sig = k % g.signals;
      if (sig >= out.length) continue;
      let v: number;
      if (g.format === 16) v = buf.readInt16LE(2 * k);
      else {
        const p = 3 * (k >> 1);
        v = k & 1 ? buf[p + 2]! | ((buf[p + 1]! & 0xf0) << 4) : buf[p]! | ((buf[p + 1]! & 0x0f) << 8);
        if (v >= 2048) v -= 4096;
      }
      out[sig]![Math.floor(k / g.signals)] = v;
    }
    channels.push(...out);
  }
  return channels;
}

/**
 * EDF: a 256-byte header (number of header bytes at 184, data records at 236, signals at 252), then per-signal
 * fields in blocks (label 16, transducer 80, physical dimension 8, physical min/max 8+8, digital min/max 8+8,
 * prefiltering 80, samples per record 8, reserved 32), then data records of 16-bit little-endian samples,
 * signal after signal. EDF+ "EDF Annotations" signals hold text and are left out.
 */
export async function edfChannels(path: string): Promise<Float32Array[]> {
  const F = 'edf';
  const fixed = await readRange(path, 0, 256, F, 'header');
  const field = (b: Buffer, at: number, len: number) => b.toString('latin1', at, at + len).trim();
  if (field(fixed, 0, 8) !== '0') throw new FormatError(F, 'not an EDF file (BDF is not supported)');
  const headerBytes = Number(field(fixed, 184, 8));
  const ns = Number(field(fixed, 252, 4));
  if (!Number.isInteger(ns) || ns < 1 || ns > 4096 || headerBytes !== 256 * (ns + 1)) throw new FormatError(F, 'invalid header');
  const sig = await readRange(path, 256, 256 * ns, F, 'header');
  const labels = Array.from({ length: ns }, (_, i) => field(sig, 16 * i, 16));
  const perRecord = Array.from({ length: ns }, (_, i) => Number(field(sig, ns * 216 + 8 * i, 8)));
  if (perRecord.some((n) => !Number.isInteger(n) || n < 0 || n > 1e7)) throw new FormatError(F, 'invalid samples per record');
  const recordBytes = 2 * perRecord.reduce((a, b) => a + b, 0);
  if (recordBytes === 0) throw new FormatError(F, 'no samples');
  const { size } = await stat(path);
  let records = Number(field(fixed, 236, 8));
  if (!Number.isInteger(records) || records < 0) records = Math.floor((size - headerBytes) / recordBytes); // -1: unknown
  const { buf, frames } = await readFrames(path, headerBytes, recordBytes, records, F);
  const wanted = labels.map((_, i) => i).filter((i) => labels[i] !== 'EDF Annotations' && perRecord[i]! > 0).slice(0, MAX_CHANNELS);
  const starts = perRecord.map((_, i) => 2 * perRecord.slice(0, i).reduce((a, b) => a + b, 0));
  return wanted.map((i) => {
    const per = perRecord[i]!;
    const out = new Float32Array(frames * per);
    for (let r = 0; r < frames; r++) {
      const base = r * recordBytes + starts[i]!;
      for (let j = 0; j < per; j++) out[r * per + j] = buf.readInt16LE(base + 2 * j);
    }
    return out;
  });
}
