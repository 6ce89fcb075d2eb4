// The format registry: the one place that decides a file's format (by content first, then by extension).
import { stat, open } from 'node:fs/promises';
import type { FileMeta } from '../domain/file-meta.js';
import { dicomHandler } from './dicom.js';
import { dataFileHandler, fileHandler } from './file.js';
import { niftiHandler } from './nifti.js';
import { pngHandler } from './png.js';
import { jpegHandler } from './jpeg.js';
import { bmpHandler } from './bmp.js';
import { tiffHandler } from './tiff.js';
import { netpbmHandler } from './netpbm.js';
import { gifHandler } from './gif.js';
import { webpHandler } from './webp.js';
import { wavHandler } from './wav.js';
import { oggHandler } from './ogg.js';
import { webmHandler } from './webm.js';
import { mp4Handler } from './mp4.js';
import { aviHandler } from './avi.js';
import { wfdbHandler } from './wfdb.js';
import { edfHandler } from './edf.js';
import { csvHandler } from './csv.js';
import { metaimageHandler } from './metaimage.js';
import { nrrdHandler } from './nrrd.js';
import { matHandler } from './mat.js';
import { hdf5Handler } from './hdf5.js';
import { DEFAULT_LIMITS, HEAD_BYTES, type FormatHandler, type Limits } from './types.js';

export { DEFAULT_LIMITS, FormatError, HEAD_BYTES, type FileRef, type FormatHandler, type Limits, type MatchStrength } from './types.js';
export { gunzipBounded, inflatePrefix } from './io.js';
export { fileHandler } from './file.js';

/** Order matters only between handlers that match the same file equally: the first one wins. */
export const HANDLERS: readonly FormatHandler[] = Object.freeze([
  dicomHandler,
  niftiHandler,
  metaimageHandler,
  nrrdHandler,
  pngHandler,
  jpegHandler,
  bmpHandler,
  tiffHandler,
  netpbmHandler,
  gifHandler,
  webpHandler,
  wavHandler,
  oggHandler,
  webmHandler,
  mp4Handler,
  aviHandler,
  wfdbHandler,
  edfHandler,
  csvHandler,
  // MAT v7.3 is also HDF5: the MATLAB header is the more specific match, so it comes first.
  matHandler,
  hdf5Handler,
  // Data halves of MetaImage (.raw, .zraw) and NRRD (.raw) header + data pairs.
  dataFileHandler('raw-data', ['.raw', '.zraw']),
  dataFileHandler('wfdb-data', ['.dat']),
]);

/** The handler for a file from its first HEAD_BYTES bytes and its name: a content match beats an extension match. */
export function detectFormat(head: Buffer, name: string): FormatHandler {
  let byExtension: FormatHandler | undefined;
  for (const h of HANDLERS) {
    const m = h.match(head, name);
    if (m === 'content') return h;
    if (m === 'extension' && !byExtension) byExtension = h;
  }
  return byExtension ?? fileHandler;
}

export function handlerById(id: string): FormatHandler | undefined {
  return id === fileHandler.id ? fileHandler : HANDLERS.find((h) => h.id === id);
}

/** Reads the first HEAD_BYTES bytes of a file (fewer if it is smaller). */
export async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Detects the format of the file at `path` and reads its metadata. Throws FormatError for a file that is
 * truncated, inconsistent or beyond `limits`; I/O errors (ENOENT, EACCES...) pass through unchanged.
 */
export async function readFileMeta(path: string, limits: Limits = DEFAULT_LIMITS, name: string = path): Promise<FileMeta> {
  const { size } = await stat(path);
  const head = await readHead(path);
  return detectFormat(head, name).readMeta({ path, size }, limits);
}
