// BMP: BITMAPFILEHEADER ("BM", 14 bytes) then a DIB header whose size tells its version: BITMAPCOREHEADER
// (12 bytes, 16-bit dimensions) or BITMAPINFOHEADER and later (40+ bytes, signed 32-bit; a negative height
// means top-down rows).
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'bmp';

export const bmpHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (head.length >= 18 && head.toString('latin1', 0, 2) === 'BM' && [12, 40, 52, 56, 64, 108, 124].includes(head.readUInt32LE(14))) return 'content';
    return hasExt(name, ['.bmp', '.dib']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const h = await src.read(0, 30);
      if (h.toString('latin1', 0, 2) !== 'BM') src.fail('no BM signature');
      const dibSize = h.readUInt32LE(14);
      let width: number;
      let height: number;
      let bpp: number;
      if (dibSize === 12) {
        width = h.readUInt16LE(18);
        height = h.readUInt16LE(20);
        bpp = h.readUInt16LE(24);
      } else if (dibSize >= 40 && dibSize <= 124) {
        width = h.readInt32LE(18);
        height = Math.abs(h.readInt32LE(22));
        bpp = h.readUInt16LE(28);
      } else {
        return src.fail('unknown DIB header size');
      }
      if (![1, 2, 4, 8, 16, 24, 32, 48, 64].includes(bpp)) src.fail(`invalid bits per pixel ${bpp}`);
      checkDims(ID, [width, height], limits);
      // <= 8 bits: indexed colour, shown as RGB of 8 bits; 16 bits: RGB 5-5-5.
      const [channels, bitDepth] = bpp <= 8 ? [3, 8] : bpp === 16 ? [3, 5] : bpp === 32 || bpp === 64 ? [4, bpp / 4] : [3, bpp / 3];
      return { kind: 'image', format: ID, width, height, channels, bitDepth };
    });
  },
};
