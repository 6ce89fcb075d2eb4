// The repos behind the viewers, made together: the render worker pool, the preview caches and ffmpeg.
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { toWebp } from './encode.js';
import { createFfmpegRepo } from './ffmpeg.repo.js';
import { createDiskCache, createMemoryLru, openFileRange } from './preview-cache.js';
import { createRenderPool } from './render-pool.js';
import type { DecodedVolume } from './render-task.js';

export interface ViewersReposOptions {
  /** Rendered slices, images, peaks and transcoded videos ($MEDIMG_DATA_DIR/previews). */
  previewDir?: string;
  /** Bytes of previews kept on disk (least recently used removed first); default 2 GiB. */
  previewBytes?: number;
  /** Bytes of decoded volumes kept in memory; default 768 MiB. */
  volumeBytes?: number;
  ffmpeg?: string;
}

export function createViewersRepos(opts: ViewersReposOptions = {}) {
  return {
    // Two workers at most, so that one long series decode does not hold up every other preview; a volume is
    // decoded once and then sliced from memory.
    render: createRenderPool({ size: Math.min(2, availableParallelism()), timeoutMs: 60_000, maxHeapMb: 512 }),
    volumes: createMemoryLru<DecodedVolume>(opts.volumeBytes ?? 768 * 2 ** 20, (v) => v.data.byteLength),
    cache: createDiskCache(opts.previewDir ?? join(tmpdir(), 'medimg-previews'), opts.previewBytes ?? 2 * 2 ** 30),
    ffmpeg: createFfmpegRepo({ binary: opts.ffmpeg }),
    openRange: openFileRange,
    toWebp,
  };
}
