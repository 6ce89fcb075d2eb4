// HDF5 (HDF5 File Format Specification v3, §II.A "Format Signature and Superblock"): the 8-byte signature
// \x89HDF\r\n\x1a\n is found at offset 0, 512, 1024, 2048 or a further power of two (a user block may come
// first). Datasets are not walked: an HDF5 file is indexed by size and hash with its format.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'hdf5';
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_SEARCH = 2 ** 20;

function signatureIn(head: Buffer): boolean {
  for (let at = 0; at + 8 <= head.length; at = at === 0 ? 512 : at * 2) {
    if (head.subarray(at, at + 8).equals(SIGNATURE)) return true;
  }
  return false;
}

export const hdf5Handler: FormatHandler = {
  id: ID,
  match: (head, name) => (signatureIn(head) ? 'content' : hasExt(name, ['.h5', '.hdf5', '.hdf', '.he5', '.h5ad']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      for (let at = 0; at + 9 <= src.size && at <= MAX_SEARCH; at = at === 0 ? 512 : at * 2) {
        const b = await src.read(at, 9);
        // Superblock versions 0-3 exist; anything else is not a superblock.
        if (b.subarray(0, 8).equals(SIGNATURE) && b[8]! <= 3) return { kind: 'other', format: ID };
      }
      return src.fail('no HDF5 superblock signature');
    });
  },
};
