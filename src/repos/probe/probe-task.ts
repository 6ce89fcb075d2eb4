import { createHash } from 'node:crypto';
import { access, mkdir, open, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FileMeta } from '../../domain/file-meta.js';
import { DEFAULT_LIMITS, FormatError, readFileMeta } from '../../formats/index.js';
import { hasThumbnail, renderThumbnail, THUMBNAIL_VERSION } from '../../formats/thumbnail.js';

export interface ProbeResult {
  sha256: string;
  meta: FileMeta | null;
  error: string | null;
  /** Key of the stored thumbnail (relative to the thumbnail folder), or null. */
  thumb?: string | null;
  thumbError?: string | null;
}

const CHUNK = 1 << 20;

/** SHA-256 of a whole file, read in 1 MiB chunks into one reused buffer. */
export async function sha256File(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

export const thumbnailKey = (sha256: string) => `${sha256.slice(0, 2)}/${sha256}-v${THUMBNAIL_VERSION}.webp`;

const reason = (err: unknown) =>
  err instanceof FormatError ? err.message : `unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;

/** Renders and stores a thumbnail unless one for this content and generator version exists. */
async function ensureThumbnail(absPath: string, meta: FileMeta, sha256: string, thumbDir: string): Promise<string> {
  const key = thumbnailKey(sha256);
  const target = join(thumbDir, key);
  try {
    await access(target);
    return key;
  } catch { /* not there yet */ }
  const webp = await renderThumbnail(absPath, meta);
  await mkdir(dirname(target), { recursive: true });
  // Written under a temporary name and renamed, so a reader never sees half a file.
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, webp);
  await rename(tmp, target);
  return key;
}

/** Hash, metadata and thumbnail of one file. A bad file is a result with an error, never a throw. */
export async function probeFile(absPath: string, name: string, thumbDir?: string): Promise<ProbeResult> {
  const sha256 = await sha256File(absPath);
  let meta: FileMeta;
  try {
    meta = await readFileMeta(absPath, DEFAULT_LIMITS, name);
  } catch (err) {
    return { sha256, meta: null, error: reason(err) };
  }
  if (!thumbDir || !hasThumbnail(meta)) return { sha256, meta, error: null, thumb: null, thumbError: null };
  try {
    return { sha256, meta, error: null, thumb: await ensureThumbnail(absPath, meta, sha256, thumbDir), thumbError: null };
  } catch (err) {
    return { sha256, meta, error: null, thumb: null, thumbError: reason(err) };
  }
}
