// Thumbnails (WebP, at most 256 px on the long side) for every previewable kind: images through sharp (or
// our own BMP / Netpbm decoders), the middle axial slice of volumes, and a waveform for audio and signals.
// Everything here is bounded: libvips refuses inputs over PIXEL_LIMIT pixels before decoding, volumes are
// checked against the limits before allocation, and waveforms read at most WAVEFORM_READ_BUDGET bytes.
import { stat } from 'node:fs/promises';
import { loadSharp } from './sharp-lazy.js';
import type { FileMeta } from '../domain/file-meta.js';
import { decodeVolume, VOLUME_FORMATS } from './pixels/index.js';
import { decodeBmp, decodeNetpbm, MAX_RASTER_PIXELS, toDisplay8, type Raster } from './pixels/raster.js';
import { edfChannels, wfdbChannels } from './pixels/signals.js';
import { sliceImage } from './pixels/slice.js';
import { MAX_VOLUME_BYTES, readRange } from './pixels/volume.js';
import { drawWaveform, MAX_CHANNELS, wavChannels } from './pixels/waveform.js';
import { DEFAULT_LIMITS, FormatError, type Limits } from './types.js';

/** Part of the cache key of a stored thumbnail: bump it when the output of renderThumbnail changes. */
export const THUMBNAIL_VERSION = 1;
export const MAX_THUMBNAIL_SIZE = 256;
/** Most pixels libvips may decode for one thumbnail (sharp's own default, 16383 x 16383). */
export const PIXEL_LIMIT = 0x3fff * 0x3fff;

const SHARP_FORMATS = new Set(['png', 'jpeg', 'tiff', 'webp', 'gif']);
const SIGNALS: Readonly<Record<string, (path: string) => Promise<Float32Array[]>>> = { wav: wavChannels, wfdb: wfdbChannels, edf: edfChannels };

export interface ThumbnailOptions {
  /** Longest side in pixels, 16..256 (default 256). */
  size?: number;
  limits?: Limits;
}

/** Whether renderThumbnail handles files of this format (FileMeta.format). */
export function hasThumbnail(meta: FileMeta): boolean {
  if (meta.format === 'dicom') return meta.kind !== 'other';
  // Only MAT and HDF5 files whose header showed a numeric 3D array have a slice to show.
  if (meta.format === 'mat' || meta.format === 'hdf5') return meta.kind === 'volume';
  return SHARP_FORMATS.has(meta.format) || meta.format === 'bmp' || meta.format === 'netpbm'
    || VOLUME_FORMATS.includes(meta.format) || meta.format in SIGNALS;
}

/**
 * A WebP thumbnail of the file at `path` whose metadata is `meta` (from readFileMeta). Throws FormatError for
 * a file that cannot be decoded or is beyond the limits, and FormatError(format, 'no preview for this kind')
 * for kinds without a thumbnail; I/O errors pass through.
 */
export async function renderThumbnail(path: string, meta: FileMeta, opts: ThumbnailOptions = {}): Promise<Buffer> {
  const sharp = await loadSharp();
  const size = Math.max(16, Math.min(MAX_THUMBNAIL_SIZE, Math.round(opts.size ?? MAX_THUMBNAIL_SIZE)));
  const limits = opts.limits ?? DEFAULT_LIMITS;
  if (!hasThumbnail(meta)) throw new FormatError(meta.format, 'no preview for this kind');
  const f = meta.format;
  if (SHARP_FORMATS.has(f)) return imageThumbnail(path, f, size, limits);
  if (f === 'bmp' || f === 'netpbm') {
    const { size: bytes } = await stat(path);
    if (bytes > MAX_VOLUME_BYTES) throw new FormatError(f, 'file too large to preview');
    const buf = await readRange(path, 0, bytes, f, 'file');
    const maxPixels = Math.min(limits.maxVoxels, MAX_RASTER_PIXELS);
    return rasterThumbnail(f === 'bmp' ? decodeBmp(buf, maxPixels) : decodeNetpbm(buf, maxPixels), size);
  }
  const signal = SIGNALS[f];
  if (signal) {
    const channels = await signal(path);
    const bands = Math.min(MAX_CHANNELS, channels.length);
    const height = Math.max(Math.round(size / 2), Math.min(size, Math.round((size * bands) / 6)));
    return toWebp(drawWaveform(channels, size, height), size, height, 3);
  }
  const volume = await decodeVolume(path, meta, limits);
  const img = sliceImage(volume, 'axial', Math.floor(volume.dims[2] / 2));
  // Physical aspect from the pixel spacing, then fit the long side to `size`.
  const pw = img.width * img.spacing[0];
  const ph = img.height * img.spacing[1];
  const scale = size / Math.max(pw, ph);
  const w = Math.max(1, Math.min(size, Math.round(pw * scale)));
  const h = Math.max(1, Math.min(size, Math.round(ph * scale)));
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(w, h, { fit: 'fill' })
    .webp()
    .toBuffer();
}

function sharpError(format: string, err: unknown): FormatError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return new FormatError(format, 'image exceeds the pixel limit');
  return new FormatError(format, 'cannot decode image');
}

async function imageThumbnail(path: string, format: string, size: number, limits: Limits): Promise<Buffer> {
  const sharp = await loadSharp();
  const open = () => sharp(path, { limitInputPixels: Math.min(PIXEL_LIMIT, limits.maxVoxels), pages: 1, page: 0 });
  try {
    const info = await open().metadata();
    const fit = { fit: 'inside' as const, withoutEnlargement: true };
    if (info.depth !== 'ushort') return await open().autoOrient().resize(size, size, fit).webp().toBuffer();
    // 16-bit images: stretch the 1st-99th percentile to 8 bits (medical images rarely fill 16 bits).
    const raw = await open().autoOrient().resize(size, size, fit).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const samples = new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2);
    const { width, height, channels } = raw.info;
    const colour = Math.min(channels, 3) === 3 ? 3 : 1; // drop alpha
    const plain = new Uint16Array(width * height * colour);
    for (let i = 0, o = 0; i < samples.length; i += channels) for (let c = 0; c < colour; c++) plain[o++] = samples[i + c]!;
    return await toWebp(Buffer.from(toDisplay8(plain, 65535).buffer), width, height, colour);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw sharpError(format, err);
  }
}

async function rasterThumbnail(r: Raster, size: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const px = Buffer.from(toDisplay8(r.data, r.maxval).buffer);
  return sharp(px, { raw: { width: r.width, height: r.height, channels: r.channels }, limitInputPixels: PIXEL_LIMIT })
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .webp()
    .toBuffer();
}

async function toWebp(px: Buffer, width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(px, { raw: { width, height, channels } }).webp().toBuffer();
}
