// Reads batches of small files for archive downloads, off the event loop that serves HTTP.
// Synchronous open/read/close is a few microseconds per file from the page cache, where the
// thread pool costs tens of microseconds of the main thread per call; here it costs the main
// thread one message per batch. Plain JavaScript: it runs the same from src/ and from dist/.
//
// Request: { id, slot, n, sizesAt, mtimesAt, headLensAt, pathsAt, pathBytes, headsAt, headBytes,
// data?, meta? }: the batch of n files is in shared buffer `meta` of slot `slot` (path i ends at
// byte ends[i] of the paths, u32 ends at 0, f64 sizes and times, u32 head lengths, the paths as
// UTF-8, then the heads, at the offsets given); file i is written into the slot's shared `data`,
// preceded by its head (its zip local header). A slot's SharedArrayBuffers come with the first
// request that uses them (again when one grows); { forget: slot } drops them.
// Reply: { id, failed: -1 | index, message }; `data` then holds head 0, file 0, head 1, file 1, ...
// A file is refused when it is a symlink (O_NOFOLLOW), not a regular file (opened with O_NONBLOCK,
// so that a FIFO is refused instead of blocking the thread), or its size or modification time is
// not the indexed one (the test re-ingestion uses to decide that a file changed; an fstat costs
// ~0.3 us, a CRC-32 of the contents cost 4-5 us per 8 KiB, half of all the work per file); the
// reply then holds the files before it.
//
// workerData.addon, when set, is the compiled native/ (small-files.c): the same heads, open, fstat,
// read and close for a whole batch in one call, without a string or a Stats object per file
// (~3 us per 8 KiB file instead of 5.8-7.2 us; through io_uring, where the kernel allows it, the
// opens, reads and closes of a batch take a few system calls instead of one per file). Without it
// (no C compiler where MedImg was installed) the same checks run here in JavaScript.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as os } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const addon = workerData?.addon ? createRequire(import.meta.url)(workerData.addon) : null;
// Whole batches through io_uring where the kernel allows it (the addon falls back by itself).
addon?.useRing(workerData.ring !== false);
const errnoName = new Map(Object.entries(os.errno).map(([name, n]) => [n, name]));
// The compiled reader's answers besides 0 (read as indexed) and -errno; 2 is a size that differs.
const NOT_REGULAR = 1;
const MTIME_DIFFERS = 3;

// Why a file was refused, without its path (the caller names it as the client knows it: the
// mirror's folder on this server is nobody else's business).
const NOT_REGULAR_FILE = 'is no longer a regular file: re-ingest the dataset';
const SIZE_DIFFERS = 'is no longer the indexed file (size differs): re-ingest the dataset';
const MTIME_DIFFERS_MESSAGE = 'changed since it was indexed (modification time differs): re-ingest the dataset';
const cannotRead = (code) => `cannot be read (${code}): re-ingest the dataset`;

/** Reads one file into data at `at` (size + 1 bytes must fit); '' when it is the indexed file, else why not. */
function readOne(path, data, at, size, mtimeMs) {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    let got;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return NOT_REGULAR_FILE;
      if (st.size !== size) return SIZE_DIFFERS;
      if (Math.trunc(st.mtimeMs) !== mtimeMs) return MTIME_DIFFERS_MESSAGE;
      got = readSync(fd, data, at, size + 1, 0);
    } finally {
      closeSync(fd);
    }
    // Grown or shrunk between the fstat and the read.
    return got === size ? '' : SIZE_DIFFERS;
  } catch (err) {
    return cannotRead(err.code ?? 'error');
  }
}

/** Why the compiled reader refused a file (its answer besides 0: -errno or one of the codes above). */
function whyNot(r) {
  if (r < 0) return cannotRead(errnoName.get(-r) ?? `errno ${-r}`);
  return r === NOT_REGULAR ? NOT_REGULAR_FILE : r === MTIME_DIFFERS ? MTIME_DIFFERS_MESSAGE : SIZE_DIFFERS;
}

// [index of the file refused or -1, the compiled reader's answer for it]
const status = new Int32Array(2);

// The shared buffers of each slot.
const slots = new Map();

parentPort.on('message', (m) => {
  if (m.forget !== undefined) {
    slots.delete(m.forget);
    return;
  }
  const slot = slots.get(m.slot) ?? {};
  if (m.data) slot.data = Buffer.from(m.data);
  if (m.meta) slot.meta = m.meta;
  slots.set(m.slot, slot);
  const { id, n } = m;
  const { data, meta } = slot;
  // Views of the batch (no copy).
  const ends = new Uint32Array(meta, 0, n);
  const sizes = new Float64Array(meta, m.sizesAt, n);
  const mtimes = new Float64Array(meta, m.mtimesAt, n);
  const headLens = new Uint32Array(meta, m.headLensAt, n);
  const paths = Buffer.from(meta, m.pathsAt, m.pathBytes);
  const heads = Buffer.from(meta, m.headsAt, m.headBytes);
  const pathAt = (i) => paths.toString('utf8', i === 0 ? 0 : ends[i - 1], ends[i]);
  let failed = -1;
  let message = '';
  if (addon) {
    addon.readBatch(paths, ends, sizes, mtimes, heads, headLens, data, status);
    failed = status[0];
    if (failed >= 0) message = whyNot(status[1]);
  } else {
    let at = 0;
    let headAt = 0;
    for (let i = 0; i < n; i++) {
      if (headLens[i] > 0) {
        heads.copy(data, at, headAt, headAt + headLens[i]);
        at += headLens[i];
        headAt += headLens[i];
      }
      message = readOne(pathAt(i), data, at, sizes[i], mtimes[i]);
      if (message) {
        failed = i;
        break;
      }
      at += sizes[i];
    }
  }
  parentPort.postMessage({ id, failed, message });
});
