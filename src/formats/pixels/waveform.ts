// Waveform thumbnails for audio and signals: the samples of up to 12 channels (a bounded, evenly spread
// subsample of long recordings) drawn as min/max per pixel column, one horizontal band per channel.
import { open } from 'node:fs/promises';
import { FormatError } from '../types.js';

export const MAX_CHANNELS = 12;
/** Bytes of sample data read for one waveform: long recordings are read as evenly spaced blocks. */
export const WAVEFORM_READ_BUDGET = 16 * 2 ** 20;
const BLOCKS = 1024;

/**
 * Frames (`unit` bytes each) from `offset`: all of them when they fit the budget, else BLOCKS evenly spaced
 * runs of frames, so that every pixel column of the drawing still sees a piece of its own time span.
 */
export async function readFrames(path: string, offset: number, unit: number, frames: number, format: string): Promise<{ buf: Buffer; frames: number }> {
  if (!(unit > 0) || !Number.isSafeInteger(frames) || frames < 0) throw new FormatError(format, 'invalid frame layout');
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const avail = Math.max(0, Math.min(frames, Math.floor((size - offset) / unit)));
    if (avail === 0) throw new FormatError(format, 'no samples');
    const runs: [number, number][] = []; // [first frame, frame count]
    if (avail * unit <= WAVEFORM_READ_BUDGET) runs.push([0, avail]);
    else {
      const per = Math.max(1, Math.floor(WAVEFORM_READ_BUDGET / BLOCKS / unit));
      for (let b = 0; b < BLOCKS; b++) runs.push([Math.floor((b * avail) / BLOCKS), per]);
    }
    const total = runs.reduce((a, [, n]) => a + n, 0);
    const buf = Buffer.alloc(total * unit);
    let at = 0;
    for (const [first, n] of runs) {
      const { bytesRead } = await fh.read(buf, at, n * unit, offset + first * unit);
      if (bytesRead < n * unit) throw new FormatError(format, 'truncated samples');
      at += n * unit;
    }
    return { buf, frames: total };
  } finally {
    await fh.close();
  }
}

/** An RGB image (3 bytes per pixel) of the channels, one band each, traced with their min/max per column. */
export function drawWaveform(channels: readonly Float32Array[], width: number, height: number): Buffer {
  const img = Buffer.alloc(width * height * 3, 255);
  const bands = Math.min(MAX_CHANNELS, channels.length);
  if (bands === 0) throw new FormatError('waveform', 'no channels');
  const bandH = height / bands;
  const put = (x: number, y: number, r: number, g: number, b: number) => {
    const p = (y * width + x) * 3;
    img[p] = r;
    img[p + 1] = g;
    img[p + 2] = b;
  };
  for (let k = 0; k < bands; k++) {
    const s = channels[k]!;
    const top = Math.round(k * bandH);
    const bottom = Math.round((k + 1) * bandH) - 1;
    if (k > 0) for (let x = 0; x < width; x++) put(x, top, 215, 215, 215);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    if (!(hi >= lo)) continue;
    const pad = Math.max(1, Math.round(bandH * 0.08));
    const y0 = top + pad;
    const span = Math.max(0, bottom - pad - y0);
    const yOf = (v: number) => (hi > lo ? Math.round(y0 + ((hi - v) / (hi - lo)) * span) : Math.round(y0 + span / 2));
    for (let x = 0; x < width; x++) {
      // Include the previous column's last sample so that a sparse signal stays a continuous line.
      const start = Math.max(0, Math.floor((x * s.length) / width) - (x > 0 ? 1 : 0));
      const end = Math.max(start + 1, Math.floor(((x + 1) * s.length) / width));
      let mn = Infinity;
      let mx = -Infinity;
      for (let i = start; i < end && i < s.length; i++) {
        const v = s[i]!;
        if (Number.isFinite(v)) [mn, mx] = [Math.min(mn, v), Math.max(mx, v)];
      }
      if (!(mx >= mn)) continue;
      for (let y = yOf(mx); y <= yOf(mn); y++) put(x, y, 25, 75, 160);
    }
  }
  return img;
}

/**
 * WAV (RIFF WAVE, Microsoft Multimedia Programming Interface and Data Specifications 1.0; WAVE_FORMAT_EXTENSIBLE):
 * PCM of 8 (unsigned), 16, 24 or 32 bits and IEEE float of 32 or 64 bits, little endian, channels interleaved.
 */
export interface WavLayout {
  /** 1 = integer PCM, 3 = IEEE float (after resolving WAVE_FORMAT_EXTENSIBLE). */
  tag: number;
  channels: number;
  rate: number;
  /** Bytes of one frame (all channels). */
  align: number;
  bits: number;
  data: { offset: number; size: number };
}

/** Reads and checks a WAV file's fmt chunk and where its data chunk is; only PCM 8/16/24/32 and float 32/64 pass. */
export async function readWavLayout(path: string): Promise<WavLayout> {
  const F = 'wav';
  const fh = await open(path, 'r');
  let fmt: Buffer | undefined;
  let data: { offset: number; size: number } | undefined;
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') throw new FormatError(F, 'not a RIFF WAVE file');
    let pos = 12;
    for (let i = 0; i < 1024 && pos + 8 <= size && !data; i++) {
      const h = Buffer.alloc(8);
      await fh.read(h, 0, 8, pos);
      const id = h.toString('latin1', 0, 4);
      const len = h.readUInt32LE(4);
      if (id === 'fmt ') {
        if (len < 16 || len > 1024) throw new FormatError(F, 'invalid fmt chunk');
        fmt = Buffer.alloc(len);
        await fh.read(fmt, 0, len, pos + 8);
      } else if (id === 'data') data = { offset: pos + 8, size: Math.min(len, size - pos - 8) };
      pos += 8 + len + (len % 2);
    }
  } finally {
    await fh.close();
  }
  if (!fmt || !data) throw new FormatError(F, 'no fmt or data chunk');
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const rate = fmt.readUInt32LE(4);
  const align = fmt.readUInt16LE(12);
  const bits = fmt.readUInt16LE(14);
  if (tag === 0xfffe && fmt.length >= 26) tag = fmt.readUInt16LE(24); // sub-format GUID starts with the tag
  const ok = (tag === 1 && [8, 16, 24, 32].includes(bits)) || (tag === 3 && (bits === 32 || bits === 64));
  if (!ok) throw new FormatError(F, `format ${tag} with ${bits} bits cannot be previewed`);
  if (channels < 1 || align < (channels * bits) / 8) throw new FormatError(F, 'invalid block alignment');
  return { tag, channels, rate, align, bits, data };
}

/** Reads one sample at byte `p` of `buf` in the layout's encoding (8-bit PCM is unsigned, centred on 0 here). */
export function wavSampleReader(buf: Buffer, { tag, bits }: Pick<WavLayout, 'tag' | 'bits'>): (p: number) => number {
  if (tag === 3) return bits === 32 ? (p) => buf.readFloatLE(p) : (p) => buf.readDoubleLE(p);
  if (bits === 8) return (p) => buf[p]! - 128;
  return bits === 16 ? (p) => buf.readInt16LE(p) : bits === 24 ? (p) => buf.readIntLE(p, 3) : (p) => buf.readInt32LE(p);
}

export async function wavChannels(path: string): Promise<Float32Array[]> {
  const F = 'wav';
  const layout = await readWavLayout(path);
  const { data, align, channels: nch } = layout;
  const bytes = layout.bits / 8;
  const { buf, frames } = await readFrames(path, data.offset, align, Math.floor(data.size / align), F);
  const read = wavSampleReader(buf, layout);
  return Array.from({ length: Math.min(nch, MAX_CHANNELS) }, (_, c) => {
    const out = new Float32Array(frames);
    for (let i = 0; i < frames; i++) out[i] = read(i * align + c * bytes);
    return out;
  });
}
