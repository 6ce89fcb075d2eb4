// HDF5 (HDF5 File Format Specification v3, §II.A "Format Signature and Superblock"): the 8-byte signature
// \x89HDF\r\n\x1a\n is found at offset 0, 512, 1024, 2048 or a further power of two (a user block may come
// first). The root group's first 2D/3D numeric dataset (pixels/hdf5.ts) gives the dimensions; a 3D one makes
// the file a volume. Files it cannot walk (new-style groups, chunked data) stay 'other', indexed by size and hash.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, withSource } from './io.js';
import { firstDataset } from './pixels/hdf5.js';
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
        if (b.subarray(0, 8).equals(SIGNATURE) && b[8]! <= 3) {
          const d = await firstDataset((o, l) => src.read(o, l), src.size).catch(() => undefined);
          if (!d) return { kind: 'other', format: ID };
          const [z, y, x] = d.shape.length === 3 ? d.shape : [1, ...d.shape];
          return z! > 1 ? { kind: 'volume', format: ID, width: x, height: y, depth: z } : { kind: 'other', format: ID, width: x, height: y };
        }
      }
      return src.fail('no HDF5 superblock signature');
    });
  },
};
