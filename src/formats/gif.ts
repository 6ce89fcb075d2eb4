// GIF89a (W3C/CompuServe spec §17-§23): 6-byte signature, Logical Screen Descriptor (16-bit LE width and
// height, flags with the global colour table size), then blocks: 0x2C image descriptor, 0x21 extension,
// 0x3B trailer; image data and extensions are chains of sub-blocks ending with a zero-length one.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'gif';
// Frames are counted only in files up to this size; a larger GIF is reported without a frame count.
const COUNT_FRAMES_UP_TO = 16 * 2 ** 20;

function countFrames(b: Buffer, start: number): number {
  let pos = start;
  let frames = 0;
  const skipSubBlocks = () => {
    while (pos < b.length && b[pos] !== 0) pos += b[pos]! + 1;
    pos++;
  };
  while (pos < b.length) {
    const block = b[pos]!;
    if (block === 0x3b) break;
    if (block === 0x2c) {
      if (pos + 10 > b.length) break;
      const flags = b[pos + 9]!;
      pos += 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0) + 1; // descriptor, local table, LZW code size
      skipSubBlocks();
      if (pos <= b.length) frames++;
    } else if (block === 0x21) {
      pos += 2;
      skipSubBlocks();
    } else {
      break; // corrupt tail: keep what was counted, as browsers do
    }
  }
  return frames;
}

export const gifHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    const sig = head.toString('latin1', 0, 6);
    return sig === 'GIF87a' || sig === 'GIF89a' ? 'content' : hasExt(name, ['.gif']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const h = await src.read(0, 13);
      if (!/^GIF8[79]a$/.test(h.toString('latin1', 0, 6))) src.fail('no GIF signature');
      const width = h.readUInt16LE(6);
      const height = h.readUInt16LE(8);
      checkDims(ID, [width, height], limits);
      const meta: FileMeta = { kind: 'image', format: ID, width, height, channels: 3, bitDepth: 8 };
      if (src.size <= Math.min(COUNT_FRAMES_UP_TO, limits.maxReadBytes)) {
        const flags = h[10]!;
        const all = await src.read(0, src.size);
        const frames = countFrames(all, 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0));
        if (frames === 0) src.fail('no image data');
        meta.frames = frames;
      }
      return meta;
    });
  },
};
