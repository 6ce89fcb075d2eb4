// The work done in render worker threads (decoding is CPU-bound and must not stall the HTTP event loop):
// volumes (one file or a DICOM series, reoriented), browser images of any 2D image, signal envelopes and
// audio peaks. Every input is a path the service resolved from the index, never a client string.
import { stat } from 'node:fs/promises';
import { loadSharp } from '../../formats/sharp-lazy.js';
import type { FileMeta } from '../../domain/file-meta.js';
import { DEFAULT_LIMITS, FormatError } from '../../formats/index.js';
import { decodeVolume, defaultWindow, sliceImage, type Volume } from '../../formats/pixels/index.js';
import { decodeBmp, decodeNetpbm, MAX_RASTER_PIXELS } from '../../formats/pixels/raster.js';
import { MAX_VOLUME_BYTES, readRange } from '../../formats/pixels/volume.js';
import { labelColour } from '../../domain/viewer.js';
import { dicomOrientation, lpsAxes, lpsToRas, niftiDirections, reorient, type Directions } from './orient.js';
import { envelope, openSignal, wavReader } from './signal-range.js';

export const PIXEL_LIMIT = 0x3fff * 0x3fff;

export interface VolumeTask {
  type: 'volume';
  paths: string[];
  meta: FileMeta;
  /** DICOM series: distance between slices, and the LPS axis (0, 1, 2) along which they were ordered, ascending. */
  sliceSpacing?: number;
  sliceAxis?: number;
}
export interface ImageTask { type: 'image'; path: string; meta: FileMeta; window?: { center: number; width: number }; format: 'png' | 'webp'; maxSide: number; mask?: boolean }
export interface SignalTask { type: 'signal'; path: string; meta: FileMeta; start?: number; end?: number; points: number }
export interface PeaksTask { type: 'peaks'; path: string; points: number }
export type RenderTask = VolumeTask | ImageTask | SignalTask | PeaksTask;

export interface DecodedVolume extends Volume {
  orientationKnown: boolean;
  ct: boolean;
  min: number;
  max: number;
  defaultWindow: { center: number; width: number };
}

function stats(data: Float32Array): { min: number; max: number; p1: number; p99: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const step = Math.max(1, Math.floor(data.length / 65536));
  const s: number[] = [];
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i]!)) s.push(data[i]!);
  s.sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))] ?? 0;
  return { min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0, p1: at(0.01), p99: at(0.99) };
}

/** Slices of a DICOM series (already in order) stacked along z; every slice must have the same size. */
async function decodeSeries(paths: string[], meta: FileMeta, sliceSpacing?: number): Promise<Volume> {
  let out: Float32Array | undefined;
  let first: Volume | undefined;
  for (let z = 0; z < paths.length; z++) {
    const v = await decodeVolume(paths[z]!, meta, DEFAULT_LIMITS);
    first ??= v;
    const n = first.dims[0] * first.dims[1];
    if (v.dims[0] !== first.dims[0] || v.dims[1] !== first.dims[1]) throw new FormatError('dicom', `slice ${z + 1} of the series is ${v.dims[0]}x${v.dims[1]}, not ${first.dims[0]}x${first.dims[1]}`);
    if (!out) {
      if (n * paths.length * 4 > MAX_VOLUME_BYTES) throw new FormatError('dicom', 'series exceeds the preview budget');
      out = new Float32Array(n * paths.length);
    }
    out.set(v.data.subarray(0, n), z * n);
  }
  const f = first!;
  return { ...f, dims: [f.dims[0], f.dims[1], paths.length], spacing: [f.spacing[0], f.spacing[1], sliceSpacing && sliceSpacing > 0 ? sliceSpacing : f.spacing[2]], data: out! };
}

/** The pages of a multi-page TIFF stacked along z (first channel of each; every page the size of the first). */
async function decodeTiffStack(path: string, pages: number): Promise<Volume> {
  const sharp = await loadSharp();
  const first = await sharp(path, { limitInputPixels: PIXEL_LIMIT, page: 0 }).metadata();
  const [w, h] = [first.width ?? 0, first.height ?? 0];
  if (w * h * pages * 4 > MAX_VOLUME_BYTES) throw new FormatError('tiff', 'page stack exceeds the preview budget');
  const data = new Float32Array(w * h * pages);
  for (let p = 0; p < pages; p++) {
    const img = sharp(path, { limitInputPixels: PIXEL_LIMIT, page: p });
    const m = await img.metadata();
    if (m.width !== w || m.height !== h) throw new FormatError('tiff', `page ${p + 1} is ${m.width}x${m.height}, not ${w}x${h}`);
    const deep = m.depth === 'ushort';
    const { data: raw } = await img.toColourspace(deep ? 'grey16' : 'b-w').raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const src = deep ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2) : raw;
    const channels = src.length / (w * h);
    for (let i = 0; i < w * h; i++) data[p * w * h + i] = src[i * channels]!;
  }
  return { dims: [w, h, pages], spacing: [1, 1, 1], data };
}

export async function runVolume(t: VolumeTask): Promise<DecodedVolume> {
  let v = t.meta.format === 'tiff' ? await decodeTiffStack(t.paths[0]!, t.meta.frames ?? 1)
    : t.paths.length > 1 ? await decodeSeries(t.paths, t.meta, t.sliceSpacing) : await decodeVolume(t.paths[0]!, t.meta, DEFAULT_LIMITS);
  let orientationKnown = false;
  let ras: Directions | null = null;
  if (t.meta.format === 'nifti') ras = await niftiDirections(t.paths[0]!);
  else if (v.rasDirections) ras = v.rasDirections;
  else if (t.meta.format === 'dicom' && t.paths.length > 1 && t.sliceAxis !== undefined) {
    // Rows and columns from ImageOrientationPatient; slices run along the axis they were sorted on, ascending.
    const iop = await dicomOrientation(t.paths[0]!);
    if (iop) ras = lpsToRas([iop[0], iop[1], [0, 1, 2].map((k) => (k === t.sliceAxis ? 1 : 0))]);
  }
  const axes = ras ? lpsAxes(ras) : null;
  if (axes) {
    v = reorient(v, axes);
    orientationKnown = true;
    v.orientationFrom ??= t.meta.format === 'nifti' ? 'the NIfTI sform (else qform)' : 'the DICOM ImageOrientationPatient and slice positions';
  } else {
    delete v.orientationFrom;
  }
  delete v.rasDirections; // described the stored order, not the reoriented one
  const s = stats(v.data);
  // Hounsfield-like: air at about -1000 in the 1st percentile and bone below 4000 in the 99th.
  const ct = v.modality === 'CT' || (v.modality === undefined && s.p1 >= -3100 && s.p1 <= -900 && s.p99 < 4000 && s.p99 > -500);
  return { ...v, orientationKnown, ct, min: s.min, max: s.max, defaultWindow: defaultWindow(v) };
}

function windowed(data: ArrayLike<number>, w: { center: number; width: number }, invert = false): Uint8Array {
  const out = new Uint8Array(data.length);
  const lo = w.center - w.width / 2;
  const scale = 255 / w.width;
  for (let i = 0; i < data.length; i++) {
    const g = Math.round((data[i]! - lo) * scale);
    const c = Number.isNaN(g) ? 0 : g < 0 ? 0 : g > 255 ? 255 : g;
    out[i] = invert ? 255 - c : c;
  }
  return out;
}

function autoWindow(data: ArrayLike<number>, channels: number): { center: number; width: number } {
  const step = Math.max(1, Math.floor(data.length / channels / 65536)) * channels;
  const s: number[] = [];
  for (let i = 0; i < data.length; i += step) s.push(data[i]!);
  s.sort((a, b) => a - b);
  const lo = s[Math.floor(s.length * 0.01)] ?? 0;
  const hi = s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 1;
  return hi > lo ? { center: (lo + hi) / 2, width: hi - lo } : { center: lo, width: 1 };
}

async function encode(px: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, t: ImageTask): Promise<Buffer> {
  const sharp = await loadSharp();
  const img = sharp(Buffer.from(px.buffer, px.byteOffset, px.length), { raw: { width, height, channels }, limitInputPixels: PIXEL_LIMIT })
    .resize(t.maxSide, t.maxSide, { fit: 'inside', withoutEnlargement: true });
  return t.format === 'png' ? img.png().toBuffer() : img.webp({ lossless: true }).toBuffer();
}

/** A label map (first channel) as RGBA: label n in labelColour(n), 0 transparent; nearest-neighbour scaling. */
async function encodeMask(values: ArrayLike<number>, channels: number, width: number, height: number, maxSide: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const label = Math.round(values[i * channels]!);
    if (!(label > 0)) continue;
    const [r, g, b] = labelColour(Math.min(label, 65535));
    rgba.set([r, g, b, 255], 4 * i);
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true, kernel: 'nearest' }).png().toBuffer();
}

/** A browser-displayable PNG or WebP of a 2D image (first page / frame / slice), at most maxSide pixels. */
export async function runImage(t: ImageTask): Promise<Buffer> {
  const sharp = await loadSharp();
  const f = t.meta.format;
  if (t.mask && ['png', 'tiff', 'webp', 'gif'].includes(f)) {
    const info = await sharp(t.path, { limitInputPixels: PIXEL_LIMIT, pages: 1 }).metadata();
    const deep = info.depth === 'ushort';
    const raw = await sharp(t.path, { limitInputPixels: PIXEL_LIMIT, pages: 1, page: 0 }).autoOrient().removeAlpha()
      .toColourspace(deep ? 'grey16' : 'b-w').raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const src = deep ? new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2) : raw.data;
    return encodeMask(src, raw.info.channels, raw.info.width, raw.info.height, t.maxSide);
  }
  if (['png', 'jpeg', 'tiff', 'webp', 'gif'].includes(f)) {
    const open = () => sharp(t.path, { limitInputPixels: PIXEL_LIMIT, pages: 1, page: 0 }).autoOrient();
    try {
      const info = await sharp(t.path, { limitInputPixels: PIXEL_LIMIT, pages: 1 }).metadata();
      if (info.depth !== 'ushort' && !t.window) {
        const img = open().resize(t.maxSide, t.maxSide, { fit: 'inside', withoutEnlargement: true });
        return await (t.format === 'png' ? img.png() : img.webp({ quality: 90 })).toBuffer();
      }
      // Deep or windowed: window the samples ourselves (alpha dropped), then encode 8 bits.
      const deep = info.depth === 'ushort';
      const grey = (info.channels ?? 3) <= 2;
      const raw = await open().resize(t.maxSide, t.maxSide, { fit: 'inside', withoutEnlargement: true })
        // Without an explicit colour space libvips returns 16-bit grey as 8-bit-range sRGB.
        .removeAlpha().toColourspace(deep ? (grey ? 'grey16' : 'rgb16') : grey ? 'b-w' : 'srgb')
        .raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
      const src = deep ? new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2) : raw.data;
      const ch = raw.info.channels as 1 | 3;
      return await encode(windowed(src, t.window ?? autoWindow(src, ch)), raw.info.width, raw.info.height, ch, t);
    } catch (err) {
      if (err instanceof FormatError) throw err;
      throw new FormatError(f, /pixel limit/i.test(String(err)) ? 'image exceeds the pixel limit' : 'cannot decode image');
    }
  }
  if (f === 'bmp' || f === 'netpbm') {
    const { size } = await stat(t.path);
    if (size > MAX_VOLUME_BYTES) throw new FormatError(f, 'file too large to preview');
    const buf = await readRange(t.path, 0, size, f, 'file');
    const r = f === 'bmp' ? decodeBmp(buf, MAX_RASTER_PIXELS) : decodeNetpbm(buf, MAX_RASTER_PIXELS);
    if (t.mask) return encodeMask(r.data, r.channels, r.width, r.height, t.maxSide);
    const w = t.window ?? (r.maxval > 255 ? autoWindow(r.data, r.channels) : { center: r.maxval / 2, width: r.maxval });
    return encode(windowed(r.data, w), r.width, r.height, r.channels, t);
  }
  // DICOM single frame and 2D NIfTI / MetaImage / NRRD: the first slice, windowed.
  const v = await decodeVolume(t.path, t.meta, DEFAULT_LIMITS);
  if (t.mask) {
    const labels = sliceImage({ ...v, invert: false }, 'axial', 0, { center: 127.5, width: 255 });
    return encodeMask(labels.data, 1, labels.width, labels.height, t.maxSide);
  }
  const img = sliceImage(v, 'axial', 0, t.window);
  return encode(img.data, img.width, img.height, 1, t);
}

export async function runTask(t: RenderTask): Promise<unknown> {
  switch (t.type) {
    case 'volume': return runVolume(t);
    case 'image': return runImage(t);
    case 'signal': {
      const r = await openSignal(t.path, t.meta);
      const e = await envelope(r, { start: t.start, end: t.end, points: t.points });
      return { sample_rate: r.rate, duration: r.frames * r.frameSeconds, start: e.start, end: e.end, points: e.points, step: e.step,
        leads: r.leads.map((l, i) => ({ name: l.name, unit: l.unit, min: e.min[i]!, max: e.max[i]!, ...(e.values ? { values: e.values[i]! } : {}) })) };
    }
    case 'peaks': {
      const r = await wavReader(t.path);
      const e = await envelope(r, { points: t.points });
      const min = e.min[0]!.map((_, i) => Math.min(...e.min.map((c) => c[i]!)));
      const max = e.max[0]!.map((_, i) => Math.max(...e.max.map((c) => c[i]!)));
      return { sample_rate: r.rate, duration: r.frames / r.rate, channels: r.leads.length, points: min.length, min, max };
    }
  }
}
