import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CardFile {
  /** Path shown in messages, relative to the catalog's parent folder when possible. */
  path: string;
  fileName: string;
  text: string;
}

/** Reads every *.yaml / *.yml card of a folder, in name order. A missing folder has no cards. */
export async function readCardFiles(dir: string, displayPrefix: string): Promise<CardFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const cards = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(cards.map(async (fileName) => ({
    path: join(displayPrefix, fileName),
    fileName,
    text: await readFile(join(dir, fileName), 'utf8'),
  })));
}
