import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const KEY = /^[0-9a-f]{2}\/[0-9a-f]{64}-v\d+\.webp$/;

/** Stored thumbnails, by the key the probe wrote (never a client-supplied path). */
export function createThumbnailsRepo(dir: string) {
  return {
    dir,
    async read(key: string): Promise<Buffer | null> {
      if (!KEY.test(key)) return null;
      try {
        return await readFile(join(dir, key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}
export type ThumbnailsRepo = ReturnType<typeof createThumbnailsRepo>;
