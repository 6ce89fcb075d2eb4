// Reads batches of small files for archive downloads, off the event loop that serves HTTP.
// Synchronous open/read/close is a few microseconds per file from the page cache, where the
// thread pool costs tens of microseconds of the main thread per call; here it costs the main
// thread one message per batch. Plain JavaScript: it runs the same from src/ and from dist/.
//
// Request: { id, paths: string[], sizes: number[], mtimes: number[], heads?: Uint8Array,
// headLens?: number[], reuse?: ArrayBuffer } (a buffer given back for reuse, transferred). File i
// is preceded by headLens[i] bytes of `heads` (its zip local header; they follow one another there).
// Reply: { id, data: ArrayBuffer (head 0, file 0, head 1, file 1, ..., then one spare byte;
// transferred), failed: -1 | index, message }.
// A file is refused when it is a symlink (O_NOFOLLOW), not a regular file, or its size or
// modification time is not the indexed one (the test re-ingestion uses to decide that a file
// changed; an fstat costs ~0.3 us, a CRC-32 of the contents cost 4-5 us per 8 KiB, half of all
// the work per file); the reply then holds the files before it.
//
// workerData.addon, when set, is the compiled native/small-files.c: the same open, fstat, read
// and close for one file without a Stats object and four calls into Node (3.9 instead of
// 5.8-7.2 us per 8 KiB file). Without it (no C compiler where MedImg was installed) the same
// checks run here in JavaScript.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as os } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const addon = workerData?.addon ? createRequire(import.meta.url)(workerData.addon) : null;
const errnoName = new Map(Object.entries(os.errno).map(([name, n]) => [n, name]));
// The compiled reader's answers besides 0 (read as indexed) and -errno; 2 is a size that differs.
const NOT_REGULAR = 1;
const MTIME_DIFFERS = 3;

const notRegular = (path) => `${path} is no longer a regular file: re-ingest the dataset`;
const sizeDiffers = (path) => `${path} is no longer the indexed file (size differs): re-ingest the dataset`;
const mtimeDiffers = (path) => `${path} changed since it was indexed (modification time differs): re-ingest the dataset`;

/** Reads one file into data at `at` (size + 1 bytes must fit); '' when it is the indexed file, else why not. */
function readOne(path, data, at, size, mtimeMs) {
  if (addon) {
    const r = addon.readFile(path, data, at, size, mtimeMs);
    if (r === 0) return '';
    if (r < 0) return `${path} cannot be read (${errnoName.get(-r) ?? `errno ${-r}`})`;
    return r === NOT_REGULAR ? notRegular(path) : r === MTIME_DIFFERS ? mtimeDiffers(path) : sizeDiffers(path);
  }
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    let got;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return notRegular(path);
      if (st.size !== size) return sizeDiffers(path);
      if (Math.trunc(st.mtimeMs) !== mtimeMs) return mtimeDiffers(path);
      got = readSync(fd, data, at, size + 1, 0);
    } finally {
      closeSync(fd);
    }
    // Grown or shrunk between the fstat and the read.
    return got === size ? '' : sizeDiffers(path);
  } catch (err) {
    return err.code ? `${path} cannot be read (${err.code})` : err.message;
  }
}

// Buffers are at least this big, so that the ones given back fit any later batch of the same limits.
const MIN_BUFFER = 1024 * 1024 + 1;

parentPort.on('message', ({ id, paths, sizes, mtimes, heads: headBytes, headLens, reuse }) => {
  // As a Buffer, so that each head is copied without a view made for it.
  const heads = headBytes ? Buffer.from(headBytes.buffer, headBytes.byteOffset, headBytes.length) : null;
  let total = heads ? heads.length : 0;
  for (const s of sizes) total += s;
  // One byte more than announced, so that a file that grew after its fstat is seen.
  const data = reuse && reuse.byteLength >= total + 1 ? Buffer.from(reuse) : Buffer.allocUnsafeSlow(Math.max(total + 1, MIN_BUFFER));
  let at = 0;
  let headAt = 0;
  let failed = -1;
  let message = '';
  for (let i = 0; i < paths.length; i++) {
    const size = sizes[i];
    if (headLens && headLens[i] > 0) {
      heads.copy(data, at, headAt, headAt + headLens[i]);
      at += headLens[i];
      headAt += headLens[i];
    }
    message = readOne(paths[i], data, at, size, mtimes[i]);
    if (message) {
      failed = i;
      break;
    }
    at += size;
  }
  parentPort.postMessage({ id, data: data.buffer, failed, message }, [data.buffer]);
});
