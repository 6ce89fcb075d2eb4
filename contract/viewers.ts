// Schemas of the preview endpoints (issue 5): volume description, rendered slices and images, signals,
// audio peaks, video and representative samples. Binary responses (PNG, WebP, MP4) have no JSON schema;
// their query strings do.
import { z } from 'zod';
import { FileItem } from './files.js';

const one = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), item);
const num = (what = 'must be a number') => z.coerce.number({ error: what }).refine(Number.isFinite, what);
const int = (min: number, max: number) => z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min).max(max);

/** Which viewer the web app opens for a file (FileItem.viewer). */
export const Viewer = FileItem.shape.viewer;
export const VIEWERS = Viewer.options;
export type Viewer = z.infer<typeof Viewer>;

export const PLANES = ['axial', 'coronal', 'sagittal'] as const;
export const Plane = z.enum(PLANES);
export type Plane = z.infer<typeof Plane>;

/** CT window presets (Hounsfield units), by the name used in `?preset=`. */
export const CT_PRESET_NAMES = ['lung', 'soft_tissue', 'bone', 'brain'] as const;
export const CtPresetName = z.enum(CT_PRESET_NAMES);
export type CtPresetName = z.infer<typeof CtPresetName>;

export const IMAGE_FORMATS = ['webp', 'png'] as const;

/** Largest side in pixels of GET /files/:id/image (larger images are downscaled). */
export const MAX_IMAGE_SIDE = 4096;
/** Most points per lead of GET /files/:id/signal and /peaks. */
export const MAX_POINTS = 4000;

/** A display window: `level` is its centre and `window` its width, in the file's (rescaled) units. */
export const WindowLevel = z.object({ level: z.number(), window: z.number() });
export type WindowLevel = z.infer<typeof WindowLevel>;

/** GET /api/v1/files/:id/slice: window and level go together; `preset` (CT only) wins over them. */
export const SliceQuery = z.strictObject({
  plane: one(Plane.default('axial')),
  index: one(int(0, 1_000_000)),
  window: one(num().refine((v) => v > 0, 'must be positive').optional()),
  level: one(num().optional()),
  preset: one(CtPresetName.optional()),
  format: one(z.enum(IMAGE_FORMATS).default('webp')),
  /** 1: render as a label mask (colour RGBA PNG, transparent background) for overlay. */
  mask: one(z.enum(['0', '1']).default('0')).transform((v) => v === '1'),
}).refine((q) => (q.window === undefined) === (q.level === undefined), { message: 'window and level must be given together', path: ['window'] });
export type SliceQuery = z.infer<typeof SliceQuery>;

/** GET /api/v1/files/:id/image */
export const ImageQuery = z.strictObject({
  window: one(num().refine((v) => v > 0, 'must be positive').optional()),
  level: one(num().optional()),
  format: one(z.enum(IMAGE_FORMATS).default('webp')),
  /** 1: render a 2D label mask as a colour RGBA PNG with a transparent background (for overlay); a mask file always is. */
  mask: one(z.enum(['0', '1']).default('0')).transform((v) => v === '1'),
}).refine((q) => (q.window === undefined) === (q.level === undefined), { message: 'window and level must be given together', path: ['window'] });
export type ImageQuery = z.infer<typeof ImageQuery>;

/** GET /api/v1/files/:id/signal: seconds from the start of the recording. */
export const SignalQuery = z.strictObject({
  start: one(num().refine((v) => v >= 0, 'must be 0 or more').optional()),
  end: one(num().refine((v) => v > 0, 'must be positive').optional()),
  points: one(int(10, MAX_POINTS).default(1000)),
}).refine((q) => q.start === undefined || q.end === undefined || q.start < q.end, { message: 'start must be before end', path: ['start'] });
export type SignalQuery = z.infer<typeof SignalQuery>;

/** GET /api/v1/files/:id/peaks */
export const PeaksQuery = z.strictObject({ points: one(int(10, MAX_POINTS).default(1000)) });
export type PeaksQuery = z.infer<typeof PeaksQuery>;

export const PlaneInfo = z.object({
  /** Number of slices along the plane's normal; valid `index` values are 0..slices-1. */
  slices: z.number().int(),
  /** Size of the rendered slice in pixels (one pixel per voxel). */
  width: z.number().int(),
  height: z.number().int(),
  /** Physical size of one pixel [horizontal, vertical] (mm when the file says so). */
  pixel_spacing: z.tuple([z.number(), z.number()]),
  /** Physical width / height of the slice: stretch the image to this aspect ratio. */
  aspect: z.number(),
});
export type PlaneInfo = z.infer<typeof PlaneInfo>;

/** GET /api/v1/files/:id/volume */
export const VolumeInfo = z.object({
  file_id: z.number().int(),
  format: z.string(),
  /** A DICOM series: every slice file of the series, in slice order (the volume is the whole series). */
  series_uid: z.string().nullable(),
  file_ids: z.array(z.number().int()),
  /** Voxels along the volume's x, y, z after reorientation (see `orientation`). */
  dims: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  spacing: z.tuple([z.number(), z.number(), z.number()]),
  /** How the planes are shown, e.g. radiological: patient right on the image left, anterior up, superior up. */
  orientation: z.string(),
  /** Whether the file's orientation was known (affine / direction cosines); if not the stored order is shown. */
  orientation_known: z.boolean(),
  modality: z.string().nullable(),
  /** Values look like Hounsfield units (or Modality is CT): the CT presets apply. */
  ct: z.boolean(),
  planes: z.object({ axial: PlaneInfo, coronal: PlaneInfo, sagittal: PlaneInfo }),
  default_window: WindowLevel,
  presets: z.array(z.object({ name: CtPresetName, label: z.string(), level: z.number(), window: z.number() })),
  value_range: z.object({ min: z.number(), max: z.number() }),
  /** The paired segmentation mask (render its slices with mask=1), or null. */
  mask_id: z.number().int().nullable(),
  /** This file is itself a mask (label map). */
  is_mask: z.boolean(),
});
export type VolumeInfo = z.infer<typeof VolumeInfo>;

/** GET /api/v1/files/:id/signal */
export const SignalData = z.object({
  sample_rate: z.number(),
  /** Length of the whole recording in seconds. */
  duration: z.number(),
  /** The range returned, in seconds. */
  start: z.number(),
  end: z.number(),
  /** Points per lead returned; point i covers [start + i * step, start + (i + 1) * step). */
  points: z.number().int(),
  step: z.number(),
  leads: z.array(z.object({
    name: z.string(),
    unit: z.string().nullable(),
    /** Min/max envelope per point. */
    min: z.array(z.number()),
    max: z.array(z.number()),
    /** The samples themselves when the range holds no more samples than `points` (then min = max = values). */
    values: z.array(z.number()).optional(),
  })),
});
export type SignalData = z.infer<typeof SignalData>;

/** GET /api/v1/files/:id/peaks: per point, the min and max over channels, scaled to -1..1. */
export const AudioPeaks = z.object({
  sample_rate: z.number().nullable(),
  duration: z.number(),
  channels: z.number().int(),
  points: z.number().int(),
  min: z.array(z.number()),
  max: z.array(z.number()),
});
export type AudioPeaks = z.infer<typeof AudioPeaks>;

/** GET /api/v1/datasets/:slug/samples: 6-12 representative files (labels first, then kinds). */
export const SampleList = z.object({ items: z.array(FileItem) });
export type SampleList = z.infer<typeof SampleList>;
