// JPEG (ITU-T T.81 §B.1.1, B.2.2): markers FFxx each followed by a 16-bit length; the frame header
// (SOF0-3, 5-7, 9-11, 13-15: baseline, extended, progressive, lossless, hierarchical, arithmetic) gives
// precision, lines, samples per line and components. JPEG-LS (T.87) uses SOF55 (FFF7) with the same layout.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'jpeg';
const MAX_SEGMENTS = 1024;

function isSof(m: number): boolean {
  return (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;
}

export const jpegHandler: FormatHandler = {
  id: ID,
  match: (head, name) =>
    head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff ? 'content' : hasExt(name, ['.jpg', '.jpeg', '.jpe', '.jfif']) ? 'extension' : false,
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const soi = await src.read(0, 2);
      if (soi[0] !== 0xff || soi[1] !== 0xd8) src.fail('no SOI marker');
      let pos = 2;
      for (let i = 0; i < MAX_SEGMENTS; i++) {
        const m = await src.read(pos, 4);
        if (m[0] !== 0xff) src.fail('marker expected');
        const marker = m[1]!;
        if (marker === 0xff) { pos += 1; continue; } // fill bytes (T.81 §B.1.1.2)
        if (marker === 0xd9 || marker === 0xda) src.fail('no frame header before the scan');
        if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { pos += 2; continue; }
        const len = m.readUInt16BE(2);
        if (len < 2) src.fail('invalid segment length');
        if (isSof(marker)) {
          const f = await src.read(pos + 4, 6);
          const bitDepth = f[0]!;
          const height = f.readUInt16BE(1);
          const width = f.readUInt16BE(3);
          const channels = f[5]!;
          // A height of 0 means "defined by the DNL marker" (T.81 §B.2.5); we do not chase it.
          checkDims(ID, [width, Math.max(height, 1)], limits);
          const meta: FileMeta = { kind: 'image', format: ID, width, channels, bitDepth };
          if (height > 0) meta.height = height;
          return meta;
        }
        pos += 2 + len;
      }
      return src.fail('too many segments before the frame header');
    });
  },
};
