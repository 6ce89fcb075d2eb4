// Previews for the viewers (issue 5): volume description and rendered slices, browser images, signal envelopes,
// audio peaks, playable video and representative samples. Files are addressed by id through the index only.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AudioPeaks, ImageQuery, PeaksQuery, SampleList, SignalData, SignalQuery, SliceQuery, VolumeInfo } from '../../contract/index.js';
import { MAX_IMAGE_SIDE } from '../../contract/index.js';
import { AppError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { FileMeta } from '../domain/file-meta.js';
import { pickSamples, type SampleCandidate } from '../domain/samples.js';
import { orderSlices } from '../domain/series.js';
import { IMAGE_VIEWER_FORMATS, labelColour, NATIVE_VIDEO_FORMATS, peaksOf, seriesAxis, seriesSpacing, viewerFor } from '../domain/viewer.js';
import { CT_PRESETS } from '../formats/pixels/index.js';
import type { FileLookupRepo, FileRecord, FilesRepo } from '../repos/files.repo.js';
import type { MirrorsRepo } from '../repos/mirrors.repo.js';
import type { FileCheck } from '../repos/raw-files.repo.js';
import { encodeMaskSlice, encodeSlice, RENDER_VERSION } from '../repos/render/encode.js';
import type { FfmpegRepo } from '../repos/render/ffmpeg.repo.js';
import { ORIENTATION_TEXT, STORED_ORDER_TEXT } from '../repos/render/orient.js';
import { cacheName, type createMemoryLru, type DiskCache } from '../repos/render/preview-cache.js';
import { RenderError, type RenderPool } from '../repos/render/render-pool.js';
import type { DecodedVolume } from '../repos/render/render-task.js';
import type { FileItem } from '../../contract/index.js';

/** Thrown when a video needs transcoding and there is no ffmpeg; the route answers 501. */
export class FfmpegUnavailableError extends AppError {
  constructor() {
    super('invalid_input', 'ffmpeg_unavailable', 'preview unavailable: install ffmpeg (npm install @ffmpeg-installer/ffmpeg, or set MEDIMG_FFMPEG)');
  }
}

export interface Rendered { body: Buffer; contentType: string; etag: string }
export interface Playable { size: number; etag: string; contentType: string; open: (start: number, end: number) => Readable }

export interface ViewersDeps {
  files: Pick<FilesRepo, 'get' | 'countBy'>;
  lookup: FileLookupRepo;
  mirrors: Pick<MirrorsRepo, 'get'>;
  check: (root: string, relPath: string, size: number) => Promise<FileCheck>;
  render: Pick<RenderPool, 'volume' | 'image' | 'signal' | 'peaks'>;
  volumes: ReturnType<typeof createMemoryLru<DecodedVolume>>;
  cache: DiskCache;
  ffmpeg: FfmpegRepo;
  openRange: (path: string, start: number, end: number) => Readable;
  toWebp: (image: Buffer) => Promise<Buffer>;
  items: (rows: FileRecord[]) => Promise<FileItem[]>;
  datasetExists: (slug: string) => Promise<boolean>;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const etagOf = (key: string) => `"${hash(key).slice(0, 40)}"`;
const metaOf = (r: FileRecord) => (r.meta ? (JSON.parse(r.meta) as FileMeta) : null);
const PRESET_LABELS = { lung: 'Lung', soft_tissue: 'Soft tissue', bone: 'Bone', brain: 'Brain' } as const;
const PRESETS = { lung: CT_PRESETS.lung, soft_tissue: CT_PRESETS.softTissue, bone: CT_PRESETS.bone, brain: CT_PRESETS.brain } as const;

/** The window asked for: a CT preset by name wins over window/level; null means the volume's default. */
export function windowFor(q: { preset?: keyof typeof PRESETS; window?: number; level?: number }): { level: number; window: number } | null {
  if (q.preset) return { level: PRESETS[q.preset].center, window: PRESETS[q.preset].width };
  return q.window !== undefined && q.level !== undefined ? { level: q.level, window: q.window } : null;
}

export function createViewersService(deps: ViewersDeps) {
  async function row(id: number): Promise<FileRecord> {
    const r = await deps.files.get(id);
    if (!r) throw new NotFoundError(`No file ${id}`);
    return r;
  }

  /** The absolute path of an indexed file, checked to be inside its mirror and unchanged in size. */
  async function pathOf(r: FileRecord): Promise<string> {
    const m = await deps.mirrors.get(r.slug);
    if (!m) throw new NotFoundError(`Dataset ${r.slug} is not mirrored on this server`);
    const c = await deps.check(m.root, r.path, r.size);
    if (c.status === 'ok') return c.absPath;
    throw new NotFoundError(`File ${r.id} (${r.path}) is ${c.status === 'size' ? 'no longer the indexed file' : 'missing from the mirror folder'}: re-ingest the dataset`);
  }

  function renderFailure(r: FileRecord, err: unknown): never {
    if (err instanceof RenderError) {
      if (err.kind === 'missing') throw new NotFoundError(`File ${r.id} is missing from the mirror folder`);
      if (err.kind === 'range') throw new InvalidInputError(err.message, 'out_of_range');
      if (err.kind === 'limit') throw new InvalidInputError(`File ${r.id} cannot be previewed: ${err.message}`, 'preview_limit');
      throw new InvalidInputError(`File ${r.id} cannot be previewed: ${err.message}`, 'cannot_preview');
    }
    throw err;
  }

  /** What a file's volume is made of: the whole series for a DICOM series slice, with a content-derived key. */
  async function volumeSource(r: FileRecord): Promise<{ key: string; rows: FileRecord[]; meta: FileMeta }> {
    const meta = metaOf(r);
    if (!meta || viewerFor({ kind: r.kind, format: r.format, meta, error: r.error }) !== 'volume') {
      throw new InvalidInputError(`File ${r.id} is not a volume (kind ${r.kind}, format ${r.format})`, 'not_a_volume');
    }
    let rows = [r];
    if (r.kind === 'series-slice' && r.series_uid) {
      const all = await deps.lookup.seriesFiles(r.slug, r.series_uid);
      const ordered = orderSlices(all.map((x) => ({ id: x.id, path: x.path, meta: metaOf(x)! })).filter((x) => x.meta));
      const byId = new Map(all.map((x) => [x.id, x]));
      rows = ordered.map((s) => byId.get(s.id)!);
    }
    const key = rows.length > 1 ? `series:${hash(rows.map((x) => x.sha256 ?? `${x.id}:${x.size}`).join(','))}` : `file:${r.sha256 ?? `${r.id}:${r.size}`}`;
    return { key, rows, meta };
  }

  /** The decoded volume, decoded once in a worker and kept in memory (bounded LRU). */
  async function volumeOf(r: FileRecord, src?: { key: string; rows: FileRecord[]; meta: FileMeta }): Promise<{ key: string; v: DecodedVolume; rows: FileRecord[] }> {
    const { key, rows, meta } = src ?? await volumeSource(r);
    try {
      const v = await deps.volumes.get(key, async () => {
        const paths = await Promise.all(rows.map(pathOf));
        const metas = rows.map((x) => metaOf(x)!);
        const series = rows.length > 1 ? { sliceSpacing: seriesSpacing(metas), sliceAxis: seriesAxis(metas) } : {};
        return deps.render.volume({ paths, meta, ...series });
      });
      return { key, v, rows };
    } catch (err) {
      return renderFailure(r, err);
    }
  }

  async function pairId(r: FileRecord): Promise<number | null> {
    if (!r.pair_path) return null;
    return (await deps.lookup.idsByPath(r.slug, [r.pair_path])).get(r.pair_path) ?? null;
  }

  return {
    async volume(id: number): Promise<VolumeInfo> {
      const r = await row(id);
      const { v, rows } = await volumeOf(r);
      const [nx, ny, nz] = v.dims;
      const [sx, sy, sz] = v.spacing;
      const plane = (slices: number, w: number, h: number, pw: number, ph: number) => ({ slices, width: w, height: h, pixel_spacing: [pw, ph] as [number, number], aspect: (w * pw) / (h * ph) });
      const isMask = r.role === 'mask';
      return {
        file_id: r.id, format: r.format, series_uid: rows.length > 1 ? r.series_uid : null, file_ids: rows.map((x) => x.id),
        dims: v.dims, spacing: v.spacing,
        orientation: v.orientationKnown ? `${ORIENTATION_TEXT}${v.orientationFrom ? `; from ${v.orientationFrom}` : ''}` : r.format === 'dicom'
          ? 'DICOM as stored: columns left to right, rows top to bottom, slices ordered along the slice normal (the radiological view for axial LPS acquisitions)'
          : STORED_ORDER_TEXT,
        orientation_known: v.orientationKnown,
        modality: v.modality ?? null, ct: v.ct,
        planes: { axial: plane(nz, nx, ny, sx, sy), coronal: plane(ny, nx, nz, sx, sz), sagittal: plane(nx, ny, nz, sy, sz) },
        default_window: { level: v.defaultWindow.center, window: v.defaultWindow.width },
        presets: v.ct ? (Object.keys(PRESET_LABELS) as (keyof typeof PRESET_LABELS)[]).map((name) => ({ name, label: PRESET_LABELS[name], ...windowFor({ preset: name })! })) : [],
        value_range: { min: v.min, max: v.max },
        mask_id: isMask ? null : await pairId(r),
        is_mask: isMask,
      };
    },

    async slice(id: number, q: SliceQuery): Promise<Rendered> {
      const r = await row(id);
      const mask = q.mask || r.role === 'mask';
      const wl = windowFor(q);
      const format = mask ? 'png' : q.format;
      // Content-derived key: the same bytes and parameters always give the same cached slice.
      const src = await volumeSource(r);
      const key = `${src.key}|${q.plane}|${q.index}|${mask ? 'mask' : wl ? `${wl.level}/${wl.window}` : 'auto'}|${format}|v${RENDER_VERSION}`;
      const name = cacheName(key, format);
      const contentType = format === 'png' ? 'image/png' : 'image/webp';
      const cached = await deps.cache.get(name);
      if (cached) return { body: cached, contentType, etag: etagOf(key) };
      const { v } = await volumeOf(r, src);
      const count = v.dims[q.plane === 'axial' ? 2 : q.plane === 'coronal' ? 1 : 0];
      if (q.index >= count) throw new InvalidInputError(`index ${q.index} is outside 0..${count - 1} for the ${q.plane} plane`, 'out_of_range');
      const body = mask
        ? await encodeMaskSlice(v, q.plane, q.index, labelColour)
        : await encodeSlice(v, q.plane, q.index, wl ? { center: wl.level, width: wl.window } : v.defaultWindow, format);
      await deps.cache.put(name, body);
      return { body, contentType, etag: etagOf(key) };
    },

    async image(id: number, q: ImageQuery): Promise<Rendered> {
      const r = await row(id);
      const meta = metaOf(r);
      const viewer = viewerFor({ kind: r.kind, format: r.format, meta, error: r.error });
      // A DICOM slice or volume also has a first frame to show as an image.
      if (!meta || !(viewer === 'image' || (viewer === 'volume' && IMAGE_VIEWER_FORMATS.has(r.format)))) {
        throw new InvalidInputError(`File ${r.id} is not an image (kind ${r.kind}, format ${r.format})`, 'not_an_image');
      }
      const mask = q.mask || r.role === 'mask';
      const format = mask ? 'png' : q.format;
      const key = `image:${r.sha256 ?? r.id}|${mask ? 'mask' : `${q.window ?? ''}/${q.level ?? ''}`}|${format}|${MAX_IMAGE_SIDE}|v${RENDER_VERSION}`;
      const name = cacheName(key, format);
      const contentType = format === 'png' ? 'image/png' : 'image/webp';
      const cached = await deps.cache.get(name);
      if (cached) return { body: cached, contentType, etag: etagOf(key) };
      const path = await pathOf(r);
      const window = q.window !== undefined && q.level !== undefined ? { center: q.level, width: q.window } : undefined;
      const body = await deps.render.image({ path, meta, window, format, maxSide: MAX_IMAGE_SIDE, mask }).catch((e: unknown) => renderFailure(r, e));
      await deps.cache.put(name, body);
      return { body, contentType, etag: etagOf(key) };
    },

    async signal(id: number, q: SignalQuery): Promise<{ data: SignalData; etag: string }> {
      const r = await row(id);
      const meta = metaOf(r);
      const viewer = viewerFor({ kind: r.kind, format: r.format, meta, error: r.error });
      if (!meta || !(viewer === 'signal' || (viewer === 'audio' && r.format === 'wav'))) {
        throw new InvalidInputError(`File ${r.id} is not a signal the viewer reads (kind ${r.kind}, format ${r.format})`, 'not_a_signal');
      }
      const data = await deps.render.signal({ path: await pathOf(r), meta, start: q.start, end: q.end, points: q.points }).catch((e: unknown) => renderFailure(r, e));
      return { data, etag: etagOf(`signal:${r.sha256}|${q.start}|${q.end}|${q.points}|v${RENDER_VERSION}`) };
    },

    async peaks(id: number, q: PeaksQuery): Promise<{ data: AudioPeaks; etag: string }> {
      const r = await row(id);
      const meta = metaOf(r);
      if (!meta || viewerFor({ kind: r.kind, format: r.format, meta, error: r.error }) !== 'audio') {
        throw new InvalidInputError(`File ${r.id} is not audio (kind ${r.kind}, format ${r.format})`, 'not_audio');
      }
      const key = `peaks:${r.sha256 ?? r.id}|${q.points}|v${RENDER_VERSION}`;
      const name = cacheName(key, 'json');
      const cached = await deps.cache.get(name);
      if (cached) return { data: JSON.parse(cached.toString()) as AudioPeaks, etag: etagOf(key) };
      const path = await pathOf(r);
      let data: AudioPeaks;
      if (r.format === 'wav') data = await deps.render.peaks({ path, points: q.points }).catch((e: unknown) => renderFailure(r, e));
      else {
        if (!(await deps.ffmpeg.path())) throw new FfmpegUnavailableError();
        const rate = 8000;
        const maxSeconds = 3600;
        const pcm = await deps.ffmpeg.pcm(path, rate, maxSeconds).catch((e: Error) => { throw new InvalidInputError(`File ${r.id} cannot be decoded: ${e.message}`, 'cannot_preview'); });
        data = { sample_rate: meta.sampleRate ?? null, duration: pcm.length / rate, channels: meta.channels ?? 1, ...peaksOf(pcm, q.points) };
      }
      await deps.cache.put(name, Buffer.from(JSON.stringify(data)));
      return { data, etag: etagOf(key) };
    },

    /** MP4/WebM as they are; other containers transcoded once to MP4 with ffmpeg and kept in the preview cache. */
    async video(id: number): Promise<Playable> {
      const r = await row(id);
      if (viewerFor({ kind: r.kind, format: r.format, meta: metaOf(r), error: r.error }) !== 'video') {
        throw new InvalidInputError(`File ${r.id} is not a video (kind ${r.kind}, format ${r.format})`, 'not_a_video');
      }
      const path = await pathOf(r);
      if (NATIVE_VIDEO_FORMATS.has(r.format)) {
        return { size: r.size, etag: `"${r.sha256 ?? hash(`${r.id}:${r.size}`)}"`, contentType: r.format === 'webm' ? 'video/webm' : 'video/mp4', open: (a, b) => deps.openRange(path, a, b) };
      }
      const key = `video:${r.sha256 ?? r.id}|mp4|v${RENDER_VERSION}`;
      const name = cacheName(key, 'mp4');
      if (!(await deps.cache.has(name))) {
        if (!(await deps.ffmpeg.path())) throw new FfmpegUnavailableError();
        await transcodeOnce(name, () => deps.cache.adopt(name, (tmp) => deps.ffmpeg.toMp4(path, tmp)))
          .catch((e: Error) => { throw new InvalidInputError(`File ${r.id} cannot be transcoded: ${e.message}`, 'cannot_preview'); });
      }
      const out = deps.cache.pathOf(name);
      return { size: await deps.cache.size(name), etag: etagOf(key), contentType: 'video/mp4', open: (a, b) => deps.openRange(out, a, b) };
    },

    /** A poster frame of a video (WebP, 256 px), made with ffmpeg once and cached. */
    async poster(id: number): Promise<Rendered> {
      const r = await row(id);
      const meta = metaOf(r);
      if (viewerFor({ kind: r.kind, format: r.format, meta, error: r.error }) !== 'video') {
        throw new InvalidInputError(`File ${r.id} is not a video (kind ${r.kind}, format ${r.format})`, 'not_a_video');
      }
      const key = `poster:${r.sha256 ?? r.id}|256|v${RENDER_VERSION}`;
      const name = cacheName(key, 'webp');
      const cached = await deps.cache.get(name);
      if (cached) return { body: cached, contentType: 'image/webp', etag: etagOf(key) };
      if (!(await deps.ffmpeg.path())) throw new FfmpegUnavailableError();
      const path = await pathOf(r);
      const png = await deps.ffmpeg.frame(path, 256, meta?.durationSec)
        .catch((e: Error) => { throw new InvalidInputError(`File ${r.id} has no frame to show: ${e.message}`, 'cannot_preview'); });
      const body = await deps.toWebp(png);
      await deps.cache.put(name, body);
      return { body, contentType: 'image/webp', etag: etagOf(key) };
    },

    async samples(slug: string): Promise<SampleList> {
      if (!(await deps.datasetExists(slug))) throw new NotFoundError(`No dataset with slug "${slug}"`);
      const labels = (await deps.files.countBy(slug, 'label')).map((x) => x.value).filter((x): x is string => x !== null).sort().slice(0, 12);
      const kinds = (await deps.files.countBy(slug, 'kind')).map((x) => x.value).filter((x): x is string => x !== null);
      const rows = new Map<number, FileRecord>();
      const add = (list: FileRecord[]) => list.forEach((x) => rows.set(x.id, x));
      for (const label of labels) add(await deps.lookup.sampleCandidates(slug, { label }, 12));
      for (const kind of kinds) add(await deps.lookup.sampleCandidates(slug, { kind }, 12));
      add(await deps.lookup.sampleCandidates(slug, {}, 24));
      const cands: SampleCandidate[] = [...rows.values()].map((x) => ({
        id: x.id, path: x.path, kind: x.kind, label: x.label, role: x.role, series_uid: x.series_uid, error: x.error, has_thumbnail: x.thumb !== null, sha256: x.sha256,
        previewable: viewerFor({ kind: x.kind, format: x.format, meta: metaOf(x), error: x.error }) !== 'none',
      }));
      const picked = pickSamples(cands).map((c) => rows.get(c.id)!);
      return { items: await deps.items(picked) };
    },
  };
}
export type ViewersService = ReturnType<typeof createViewersService>;

// One transcode per video at a time (concurrent requests share it), and one ffmpeg at a time overall: a
// transcode takes whole cores for seconds, and the CPU is shared with ingestion and the HTTP server.
const inFlight = new Map<string, Promise<void>>();
let queue: Promise<unknown> = Promise.resolve();
function transcodeOnce(name: string, make: () => Promise<void>): Promise<void> {
  let p = inFlight.get(name);
  if (!p) {
    p = queue.catch(() => undefined).then(make).finally(() => inFlight.delete(name));
    queue = p;
    inFlight.set(name, p);
  }
  return p;
}
