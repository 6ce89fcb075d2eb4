// WebP container (RFC 9649 §2.5-2.7): RIFF 'WEBP' with a first chunk 'VP8 ' (lossy: VP8 key frame header,
// RFC 6386 §9.1, 14-bit width/height), 'VP8L' (lossless: signature 0x2F, 14-bit width-1/height-1, alpha
// hint) or 'VP8X' (extended: flags, 24-bit canvas width-1/height-1; animation frames are ANMF chunks).
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'webp';
const MAX_CHUNKS = 10_000;

export const webpHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'content';
    return hasExt(name, ['.webp']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const h = await src.read(0, 30);
      if (h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'WEBP') src.fail('not a RIFF WEBP file');
      const chunk = h.toString('latin1', 12, 16);
      const d = 20;
      let width: number;
      let height: number;
      let alpha = false;
      let frames: number | undefined;
      if (chunk === 'VP8 ') {
        if (h[d + 3] !== 0x9d || h[d + 4] !== 0x01 || h[d + 5] !== 0x2a) src.fail('no VP8 start code');
        width = h.readUInt16LE(d + 6) & 0x3fff;
        height = h.readUInt16LE(d + 8) & 0x3fff;
      } else if (chunk === 'VP8L') {
        if (h[d] !== 0x2f) src.fail('no VP8L signature');
        const bits = h.readUInt32LE(d + 1);
        width = (bits & 0x3fff) + 1;
        height = ((bits >>> 14) & 0x3fff) + 1;
        alpha = ((bits >>> 28) & 1) === 1;
      } else if (chunk === 'VP8X') {
        const flags = h[d]!;
        alpha = (flags & 0x10) !== 0;
        width = h.readUIntLE(d + 4, 3) + 1;
        height = h.readUIntLE(d + 7, 3) + 1;
        if (flags & 0x02) {
          frames = 0;
          let pos = 12;
          for (let i = 0; i < MAX_CHUNKS && pos + 8 <= src.size; i++) {
            const c = await src.read(pos, 8);
            if (c.toString('latin1', 0, 4) === 'ANMF') frames++;
            pos += 8 + c.readUInt32LE(4) + (c.readUInt32LE(4) % 2); // chunks are padded to even sizes
          }
        }
      } else {
        return src.fail(`unknown first chunk '${chunk}'`);
      }
      checkDims(ID, [width, height, frames || 1], limits);
      const meta: FileMeta = { kind: 'image', format: ID, width, height, channels: alpha ? 4 : 3, bitDepth: 8 };
      if (frames) meta.frames = frames;
      return meta;
    });
  },
};
