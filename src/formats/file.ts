// Files indexed by size and hash only: unknown formats, and the data halves of header + data pairs
// (MetaImage .raw/.zraw, WFDB .dat) whose metadata lives in the header file.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt } from './io.js';
import type { FormatHandler } from './types.js';

/** The fallback for anything no other handler claims. */
export const fileHandler: FormatHandler = {
  id: 'file',
  match: () => false,
  readMeta: async (): Promise<FileMeta> => ({ kind: 'other', format: 'file' }),
};

export function dataFileHandler(id: string, exts: readonly string[]): FormatHandler {
  return {
    id,
    match: (_head, name) => (hasExt(name, exts) ? 'extension' : false),
    readMeta: async (): Promise<FileMeta> => ({ kind: 'other', format: id }),
  };
}
