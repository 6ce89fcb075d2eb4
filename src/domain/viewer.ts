// Which preview a file gets: one viewer per kind, decided from what the index recorded (kind, format, header
// metadata), so that the web app never opens a viewer the server cannot feed.
import type { FileMeta } from './file-meta.js';

export type ViewerKind = 'image' | 'volume' | 'signal' | 'audio' | 'video' | 'none';

/** Formats whose voxels the server decodes into a volume (src/formats/pixels decodeVolume). */
export const VOLUME_VIEWER_FORMATS: ReadonlySet<string> = new Set(['nifti', 'analyze', 'metaimage', 'nrrd', 'dicom', 'mat', 'hdf5']);
/** 2D rasters the server can render to PNG/WebP (libvips, or our BMP/Netpbm decoders, or a DICOM frame). */
export const IMAGE_VIEWER_FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'tiff', 'webp', 'gif', 'bmp', 'netpbm', 'dicom', 'nifti', 'metaimage', 'nrrd']);
export const SIGNAL_VIEWER_FORMATS: ReadonlySet<string> = new Set(['wfdb', 'edf', 'csv']);
export const AUDIO_VIEWER_FORMATS: ReadonlySet<string> = new Set(['wav', 'ogg', 'webm', 'mp4']);
export const VIDEO_VIEWER_FORMATS: ReadonlySet<string> = new Set(['mp4', 'webm', 'ogg', 'avi', 'mov']);
/** Video containers every current browser plays without transcoding. */
export const NATIVE_VIDEO_FORMATS: ReadonlySet<string> = new Set(['mp4', 'webm']);

export interface ViewerInput {
  kind: string;
  format: string;
  meta: Pick<FileMeta, 'frames' | 'depth'> | null;
  error?: string | null;
}

/**
 * The viewer for a file. A file that failed to be read gets none; a DICOM slice of a series opens the whole
 * series as a volume; a 2D NIfTI/MetaImage/NRRD is an image rendered like one slice.
 */
export function viewerFor(f: ViewerInput): ViewerKind {
  if (f.error) return 'none';
  switch (f.kind) {
    case 'volume':
    case 'series-slice':
      return VOLUME_VIEWER_FORMATS.has(f.format) ? 'volume' : 'none';
    case 'image':
      // A multi-page TIFF is a stack of slices (microscopy z-stacks, exported CT): shown as a volume.
      if (f.format === 'tiff' && (f.meta?.frames ?? 1) > 1) return 'volume';
      return IMAGE_VIEWER_FORMATS.has(f.format) ? 'image' : 'none';
    case 'signal':
      return SIGNAL_VIEWER_FORMATS.has(f.format) ? 'signal' : 'none';
    case 'audio':
      return AUDIO_VIEWER_FORMATS.has(f.format) ? 'audio' : 'none';
    case 'video':
      return VIDEO_VIEWER_FORMATS.has(f.format) ? 'video' : 'none';
    default:
      return 'none';
  }
}

/** Label maps are small non-negative integers: a mask file, or a volume whose pair says it is the mask. */
export function isMaskRole(role: string | null | undefined): boolean {
  return role === 'mask';
}

/** Distinct colours for label values 1..n of a mask overlay (0 is transparent); RGB. */
const LABEL_COLOURS: readonly (readonly [number, number, number])[] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255],
];

export function labelColour(label: number): readonly [number, number, number] {
  return LABEL_COLOURS[(Math.max(1, Math.round(label)) - 1) % LABEL_COLOURS.length]!;
}

/**
 * Distance between neighbouring slices of an ordered DICOM series, from ImagePositionPatient (the median step,
 * robust to one missing slice); undefined when positions are missing. SliceThickness is not used: it may differ
 * from the spacing (overlapping or gapped slices).
 */
export function seriesSpacing(ordered: readonly Pick<FileMeta, 'dicom'>[]): number | undefined {
  const pos = ordered.map((m) => m.dicom?.ImagePositionPatient);
  if (pos.length < 2 || !pos.every((p) => p && p.length === 3)) return undefined;
  const steps = pos.slice(1).map((p, i) => Math.hypot(p![0]! - pos[i]![0]!, p![1]! - pos[i]![1]!, p![2]! - pos[i]![2]!)).sort((a, b) => a - b);
  const mid = steps[Math.floor(steps.length / 2)]!;
  return mid > 0 && Number.isFinite(mid) ? mid : undefined;
}

/** The patient axis (0, 1, 2 of LPS) along which orderSlices sorted a series (ascending), or undefined. */
export function seriesAxis(ordered: readonly Pick<FileMeta, 'dicom'>[]): number | undefined {
  const pos = ordered.map((m) => m.dicom?.ImagePositionPatient);
  if (pos.length < 2 || !pos.every((p) => p && p.length === 3)) return undefined;
  const spread = [0, 1, 2].map((a) => Math.max(...pos.map((p) => p![a]!)) - Math.min(...pos.map((p) => p![a]!)));
  const axis = spread.indexOf(Math.max(...spread));
  return spread[axis]! > 0 ? axis : undefined;
}

/** Min and max of each of `points` equal runs of samples (fewer points when there are fewer samples). */
export function peaksOf(samples: ArrayLike<number>, points: number): { points: number; min: number[]; max: number[] } {
  const n = Math.min(points, samples.length);
  const min: number[] = [];
  const max: number[] = [];
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * samples.length) / n);
    const to = Math.max(from + 1, Math.floor(((b + 1) * samples.length) / n));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to; i++) {
      const v = samples[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min.push(Number(lo.toPrecision(5)));
    max.push(Number(hi.toPrecision(5)));
  }
  return { points: n, min, max };
}
