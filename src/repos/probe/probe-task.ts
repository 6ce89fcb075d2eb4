import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileMeta } from '../../domain/file-meta.js';
import { DEFAULT_LIMITS, FormatError, readFileMeta } from '../../formats/index.js';

export interface ProbeResult {
  sha256: string;
  meta: FileMeta | null;
  error: string | null;
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

/** Hash + metadata of one file. A bad file is a result with an error, never a throw. */
export async function probeFile(absPath: string, name: string): Promise<ProbeResult> {
  const sha256 = await sha256File(absPath);
  try {
    return { sha256, meta: await readFileMeta(absPath, DEFAULT_LIMITS, name), error: null };
  } catch (err) {
    const reason = err instanceof FormatError ? err.message : `unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    return { sha256, meta: null, error: reason };
  }
}
