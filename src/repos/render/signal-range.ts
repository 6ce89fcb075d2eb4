// Time-range readers of signal and audio files for the signal viewer: only the bytes of the asked range are
// read (WFDB, EDF and WAV store fixed-size frames, so a time maps to an offset); a long range is read as one
// block per output point when the whole of it would pass READ_BUDGET. CSV has no such map: it is read whole,
// up to MAX_CSV_BYTES. Values are physical (WFDB gain/baseline, EDF physical min/max), WAV scaled to -1..1.
import { stat } from 'node:fs/promises';
import type { FileMeta } from '../../domain/file-meta.js';
import { FormatError } from '../../formats/index.js';
import { readRange, siblingPath } from '../../formats/pixels/volume.js';
import { readWavLayout, wavSampleReader } from '../../formats/pixels/waveform.js';

export const READ_BUDGET = 16 * 2 ** 20;
export const MAX_CSV_BYTES = 64 * 2 ** 20;
export const MAX_LEADS = 64;

export interface Lead { name: string; unit: string | null }
export interface RangeReader {
  /** Samples per second (the fastest lead's). */
  rate: number;
  /** Frames in the file, and seconds per frame: one sample of every lead, or one EDF data record. */
  frames: number;
  frameSeconds: number;
  /** Samples per second of each lead. */
  leadRates: number[];
  leads: Lead[];
  bytesPerSecond: number;
  /** Samples of every lead from frame `first` (count frames); t0 = time of sample 0. */
  read(first: number, count: number): Promise<{ t0: number; data: Float32Array[] }>;
}

const field = (b: Buffer, at: number, len: number) => b.toString('latin1', at, at + len).trim();

async function wfdbReader(headerPath: string): Promise<RangeReader> {
  const F = 'wfdb';
  const { size: hsize } = await stat(headerPath);
  const lines = (await readRange(headerPath, 0, Math.min(hsize, 256 * 1024), F, 'header')).toString('latin1').split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l !== '');
  const rec = lines[0]?.split(/\s+/) ?? [];
  if (rec.length < 2 || rec[0]!.includes('/')) throw new FormatError(F, 'multi-segment or invalid record');
  const nsig = Number(rec[1]);
  if (!Number.isInteger(nsig) || nsig < 1 || nsig > 4096 || lines.length < 1 + nsig) throw new FormatError(F, 'invalid number of signals');
  const rate = rec[2] === undefined ? 250 : Number(rec[2].split(/[/(]/)[0]);
  if (!(rate > 0)) throw new FormatError(F, 'invalid sampling frequency');
  const sig = lines.slice(1, 1 + nsig).map((l) => {
    const p = l.split(/\s+/);
    const m = /^(\d+)(?:x(\d+))?(?::\d+)?(?:\+(\d+))?$/.exec(p[1] ?? '');
    if (!m || (m[1] !== '16' && m[1] !== '212') || (m[2] !== undefined && m[2] !== '1')) throw new FormatError(F, `signal format ${p[1]} cannot be previewed`);
    // header(5): gain[(baseline)][/units]; baseline defaults to ADC zero, gain 0 means 200.
    const g = /^([-\d.eE+]+)(?:\(([-\d]+)\))?(?:\/(.+))?$/.exec(p[2] ?? '');
    const gain = g && Number(g[1]) !== 0 ? Number(g[1]) : 200;
    const baseline = g?.[2] !== undefined ? Number(g[2]) : Number(p[4] ?? 0) || 0;
    return { file: p[0]!, format: Number(m[1]), offset: Number(m[3] ?? 0), gain, baseline, unit: g?.[3] ?? 'mV', name: p.slice(8).join(' ') || `signal ${p.length}` };
  });
  const file = sig[0]!.file;
  if (sig.some((s) => s.file !== file || s.format !== sig[0]!.format)) throw new FormatError(F, 'signals in several files cannot be previewed');
  const path = siblingPath(headerPath, file, F);
  const { size } = await stat(path);
  const fmt = sig[0]!.format;
  const offset = sig[0]!.offset;
  const perFrame = fmt === 16 ? 2 * nsig : 1.5 * nsig;
  const nsamp = rec[3] !== undefined ? Number(rec[3]) : NaN;
  const frames = Math.min(Number.isSafeInteger(nsamp) && nsamp > 0 ? nsamp : Infinity, Math.floor((size - offset) / perFrame));
  return {
    rate, frames, frameSeconds: 1 / rate, leadRates: sig.slice(0, MAX_LEADS).map(() => rate), bytesPerSecond: perFrame * rate,
    leads: sig.slice(0, MAX_LEADS).map((s, i) => ({ name: s.name || `signal ${i + 1}`, unit: s.unit })),
    async read(first, count) {
      const leads = Math.min(nsig, MAX_LEADS);
      const data = Array.from({ length: leads }, () => new Float32Array(count));
      if (fmt === 16) {
        const buf = await readRange(path, offset + first * 2 * nsig, count * 2 * nsig, F, 'samples');
        for (let f = 0; f < count; f++) for (let s = 0; s < leads; s++) data[s]![f] = (buf.readInt16LE(2 * (f * nsig + s)) - sig[s]!.baseline) / sig[s]!.gain;
      } else {
        // signal(5) format 212: two 12-bit samples in 3 bytes, counted over the interleaved stream.
        const s0 = first * nsig;
        const aligned = s0 - (s0 % 2);
        const n = (first + count) * nsig - aligned;
        const bytes = Math.min(3 * Math.ceil(n / 2), size - offset - (3 * aligned) / 2);
        const buf = await readRange(path, offset + (3 * aligned) / 2, bytes, F, 'samples');
        for (let k = s0 - aligned; k < n; k++) {
          const p = 3 * (k >> 1);
          if (p + 2 >= buf.length) break;
          let v = k & 1 ? buf[p + 2]! | ((buf[p + 1]! & 0xf0) << 4) : buf[p]! | ((buf[p + 1]! & 0x0f) << 8);
          if (v >= 2048) v -= 4096;
          const g = k + aligned;
          const s = g % nsig;
          if (s < leads) data[s]![Math.floor(g / nsig) - first] = (v - sig[s]!.baseline) / sig[s]!.gain;
        }
      }
      return { t0: first / rate, data };
    },
  };
}

/** EDF (Kemp et al. 1992): frames here are data records; leads keep their own samples per record. */
async function edfReader(path: string): Promise<RangeReader> {
  const F = 'edf';
  const fixed = await readRange(path, 0, 256, F, 'header');
  if (field(fixed, 0, 8) !== '0') throw new FormatError(F, 'not an EDF file (BDF is not supported)');
  const headerBytes = Number(field(fixed, 184, 8));
  const ns = Number(field(fixed, 252, 4));
  const recordSec = Number(field(fixed, 244, 8));
  if (!Number.isInteger(ns) || ns < 1 || ns > 4096 || headerBytes !== 256 * (ns + 1) || !(recordSec > 0)) throw new FormatError(F, 'invalid header');
  const h = await readRange(path, 256, 256 * ns, F, 'header');
  const col = (width: number, base: number) => Array.from({ length: ns }, (_, i) => field(h, base * ns + width * i, width));
  const labels = col(16, 0);
  const units = col(8, 96);
  const [pmin, pmax, dmin, dmax] = [104, 112, 120, 128].map((b) => col(8, b).map(Number)) as [number[], number[], number[], number[]];
  const perRecord = col(8, 216).map(Number);
  if (perRecord.some((n) => !Number.isInteger(n) || n < 0 || n > 1e7)) throw new FormatError(F, 'invalid samples per record');
  const recordBytes = 2 * perRecord.reduce((a, b) => a + b, 0);
  const { size } = await stat(path);
  let records = Number(field(fixed, 236, 8));
  const fit = Math.floor((size - headerBytes) / recordBytes);
  records = Number.isInteger(records) && records >= 0 ? Math.min(records, fit) : fit;
  const wanted = labels.map((_, i) => i).filter((i) => labels[i] !== 'EDF Annotations' && perRecord[i]! > 0).slice(0, MAX_LEADS);
  if (wanted.length === 0 || records < 1) throw new FormatError(F, 'no samples');
  const starts = perRecord.map((_, i) => 2 * perRecord.slice(0, i).reduce((a, b) => a + b, 0));
  const maxPer = Math.max(...wanted.map((i) => perRecord[i]!));
  return {
    rate: maxPer / recordSec, frames: records, frameSeconds: recordSec, leadRates: wanted.map((i) => perRecord[i]! / recordSec), bytesPerSecond: recordBytes / recordSec,
    leads: wanted.map((i) => ({ name: labels[i]!, unit: units[i] || null })),
    async read(first, count) {
      const buf = await readRange(path, headerBytes + first * recordBytes, count * recordBytes, F, 'samples');
      const data = wanted.map((i) => {
        const per = perRecord[i]!;
        const gain = dmax[i]! !== dmin[i]! ? (pmax[i]! - pmin[i]!) / (dmax[i]! - dmin[i]!) : 1;
        const out = new Float32Array(count * per);
        for (let r = 0; r < count; r++) {
          for (let j = 0; j < per; j++) out[r * per + j] = (buf.readInt16LE(r * recordBytes + starts[i]! + 2 * j) - dmin[i]!) * gain + pmin[i]!;
        }
        return out;
      });
      return { t0: first * recordSec, data };
    },
  };
}

/** WAV PCM 8/16/24/32 and float 32/64 (RIFF WAVE, WAVE_FORMAT_EXTENSIBLE), scaled to -1..1. */
export async function wavReader(path: string): Promise<RangeReader> {
  const F = 'wav';
  const layout = await readWavLayout(path);
  const { tag, bits, rate, align, data, channels: nch } = layout;
  if (!(rate > 0)) throw new FormatError(F, 'invalid sample rate 0');
  const bytes = bits / 8;
  const full = tag === 3 ? 1 : 2 ** (bits - 1);
  const { offset } = data;
  return {
    rate, frames: Math.floor(data.size / align), frameSeconds: 1 / rate, leadRates: Array.from({ length: Math.min(nch, MAX_LEADS) }, () => rate), bytesPerSecond: align * rate,
    leads: Array.from({ length: Math.min(nch, MAX_LEADS) }, (_, i) => ({ name: `channel ${i + 1}`, unit: null })),
    async read(first, count) {
      const buf = await readRange(path, offset + first * align, count * align, F, 'samples');
      const get = wavSampleReader(buf, layout);
      const out = Array.from({ length: Math.min(nch, MAX_LEADS) }, (_, c) => {
        const a = new Float32Array(count);
        for (let i = 0; i < count; i++) a[i] = get(i * align + c * bytes) / full;
        return a;
      });
      return { t0: first / rate, data: out };
    },
  };
}

/** A time-series CSV (first column time): read whole, bounded by MAX_CSV_BYTES. */
async function csvReader(path: string, meta: FileMeta): Promise<RangeReader> {
  const { size } = await stat(path);
  if (size > MAX_CSV_BYTES) throw new FormatError('csv', `CSV signals over ${MAX_CSV_BYTES / 2 ** 20} MiB cannot be previewed`);
  const lines = (await readRange(path, 0, size, 'csv', 'file')).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const delimiter = ['\t', ';', ','].map((d) => [d, lines[0]!.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const header = lines[0]!.split(delimiter).map((s) => s.trim().replace(/^"|"$/g, ''));
  const n = Math.min(header.length - 1, MAX_LEADS);
  if (n < 1) throw new FormatError('csv', 'no signal columns');
  const rows = lines.slice(1);
  const cols = Array.from({ length: n }, () => new Float32Array(rows.length));
  rows.forEach((l, r) => {
    const v = l.split(delimiter);
    for (let c = 0; c < n; c++) cols[c]![r] = Number(v[c + 1]);
  });
  const rate = meta.sampleRate && meta.sampleRate > 0 ? meta.sampleRate : 1;
  return {
    rate, frames: rows.length, frameSeconds: 1 / rate, leadRates: cols.map(() => rate), bytesPerSecond: 0,
    leads: header.slice(1, 1 + n).map((h) => {
      const m = /^(.*?)\s*[[(]([^\])]+)[\])]$/.exec(h);
      return m ? { name: m[1]!, unit: m[2]! } : { name: h, unit: null };
    }),
    read: async (first, count) => ({ t0: first / rate, data: cols.map((c) => c.slice(first, first + count)) }),
  };
}

export async function openSignal(path: string, meta: FileMeta): Promise<RangeReader> {
  switch (meta.format) {
    case 'wfdb': return wfdbReader(path);
    case 'edf': return edfReader(path);
    case 'wav': return wavReader(path);
    case 'csv': return csvReader(path, meta);
    default: throw new FormatError(meta.format, 'not a signal format the viewer reads');
  }
}

export interface Envelope {
  start: number;
  end: number;
  points: number;
  step: number;
  min: number[][];
  max: number[][];
  /** Exact samples, when the range holds no more frames than points (uniform-rate formats only). */
  values?: number[][];
}

const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : 0);

/**
 * Min/max per point of every lead over [start, end) seconds (clamped to the recording). Throws RangeError when
 * start is at or past the end of the recording.
 */
export async function envelope(r: RangeReader, q: { start?: number; end?: number; points: number }): Promise<Envelope> {
  const duration = r.frames * r.frameSeconds;
  const start = q.start ?? 0;
  if (start >= duration) throw new RangeError(`start ${start} s is past the end of the recording (${round(duration)} s)`);
  const end = Math.min(q.end ?? duration, duration);
  const f0 = Math.floor(start / r.frameSeconds);
  const f1 = Math.min(r.frames, Math.ceil(end / r.frameSeconds));
  const uniform = r.leadRates.every((x) => x === r.rate) && Math.abs(r.frameSeconds * r.rate - 1) < 1e-9;
  if (uniform && f1 - f0 <= q.points) {
    const { data } = await r.read(f0, f1 - f0);
    const values = data.map((a) => Array.from(a, round));
    return { start: f0 / r.rate, end: f1 / r.rate, points: f1 - f0, step: 1 / r.rate, min: values, max: values, values };
  }
  const points = q.points;
  const step = (end - start) / points;
  const mn = r.leads.map(() => new Float64Array(points).fill(Infinity));
  const mx = r.leads.map(() => new Float64Array(points).fill(-Infinity));
  const add = ({ t0, data }: { t0: number; data: Float32Array[] }) => {
    data.forEach((a, l) => {
      const rate = r.leadRates[l]!;
      for (let i = 0; i < a.length; i++) {
        const b = Math.floor((t0 + i / rate - start) / step);
        if (b < 0 || b >= points) continue;
        const v = a[i]!;
        if (v < mn[l]![b]!) mn[l]![b] = v;
        if (v > mx[l]![b]!) mx[l]![b] = v;
      }
    });
  };
  if (r.bytesPerSecond === 0 || (end - start) * r.bytesPerSecond <= READ_BUDGET) add(await r.read(f0, f1 - f0));
  else {
    // One block of frames at the start of each point: bounded reading, an approximate envelope.
    const perBlock = Math.max(1, Math.floor(READ_BUDGET / points / (r.bytesPerSecond * r.frameSeconds)));
    let next = 0;
    for (let b = 0; b < points; b++) {
      const fb = Math.max(next, Math.floor((start + b * step) / r.frameSeconds));
      if (fb >= f1 || fb >= Math.floor((start + (b + 1) * step) / r.frameSeconds) + 1) continue;
      const count = Math.min(perBlock, f1 - fb);
      add(await r.read(fb, count));
      next = fb + count;
    }
  }
  const fill = (arr: Float64Array) => {
    let last = NaN;
    const out = Array.from(arr, (v) => (Number.isFinite(v) ? (last = v) : last));
    const firstSeen = out.find((v) => Number.isFinite(v)) ?? 0;
    return out.map((v) => round(Number.isFinite(v) ? v : firstSeen));
  };
  return { start, end, points, step, min: mn.map(fill), max: mx.map(fill) };
}
