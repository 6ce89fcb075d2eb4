// PNG (ISO/IEC 15948, W3C PNG 3rd ed. §11.2.1 IHDR): the signature is followed by IHDR, whose fields give
// width, height, bit depth and colour type. An APNG's acTL chunk (before IDAT) gives its frame count.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import { FormatError, type FormatHandler } from './types.js';

const ID = 'png';
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Colour type -> channels (PNG §11.2.1 Table 11.1). Palette images show 3 channels of 8 bits.
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
const MAX_CHUNKS = 64;

export const pngHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (head.subarray(0, 8).equals(SIGNATURE) ? 'content' : hasExt(name, ['.png']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const head = await src.read(0, 33);
      if (!head.subarray(0, 8).equals(SIGNATURE)) src.fail('not a PNG signature');
      if (head.toString('latin1', 12, 16) !== 'IHDR' || head.readUInt32BE(8) !== 13) src.fail('first chunk is not IHDR');
      const width = head.readUInt32BE(16);
      const height = head.readUInt32BE(20);
      const bitDepth = head[24]!;
      const colourType = head[25]!;
      const channels = CHANNELS[colourType];
      if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth)) throw new FormatError(ID, 'invalid IHDR');
      checkDims(ID, [width, height], limits);
      const meta: FileMeta = { kind: 'image', format: ID, width, height, channels, bitDepth: colourType === 3 ? 8 : bitDepth };
      // Look for acTL among the chunks before the image data (APNG spec §4).
      let pos = 33;
      for (let i = 0; i < MAX_CHUNKS && pos + 12 <= src.size; i++) {
        const h = await src.read(pos, 16 <= src.size - pos ? 16 : 8);
        const type = h.toString('latin1', 4, 8);
        if (type === 'IDAT' || type === 'IEND') break;
        if (type === 'acTL' && h.length >= 12) meta.frames = h.readUInt32BE(8);
        pos += 12 + h.readUInt32BE(0);
      }
      if (meta.frames !== undefined) checkDims(ID, [width, height, meta.frames], limits);
      return meta;
    });
  },
};
