// AVI (Microsoft "AVI RIFF File Reference"): RIFF 'AVI ' > LIST 'hdrl' > 'avih' (AVIMAINHEADER:
// dwMicroSecPerFrame, ..., dwTotalFrames, ..., dwWidth, dwHeight). OpenDML files carry the real total in
// LIST 'odml' > 'dmlh' (dwTotalFrames) because avih counts only the first RIFF.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'avi';
const MAX_CHUNKS = 256;

export const aviHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'AVI ') return 'content';
    return hasExt(name, ['.avi']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const riff = await src.read(0, 24);
      if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'AVI ') src.fail('not a RIFF AVI file');
      if (riff.toString('latin1', 12, 16) !== 'LIST' || riff.toString('latin1', 20, 24) !== 'hdrl') src.fail('no hdrl list');
      const hdrlEnd = Math.min(src.size, 20 + riff.readUInt32LE(16));
      // Walk hdrl's children: avih, then strl lists, then possibly LIST odml.
      let avih: Buffer | undefined;
      let dmlFrames: number | undefined;
      let pos = 24;
      for (let i = 0; i < MAX_CHUNKS && pos + 12 <= hdrlEnd; i++) {
        const h = await src.read(pos, 12);
        const id = h.toString('latin1', 0, 4);
        const size = h.readUInt32LE(4);
        if (id === 'avih') avih = await src.read(pos + 8, Math.min(size, 56));
        else if (id === 'LIST' && h.toString('latin1', 8, 12) === 'odml') {
          const d = await src.read(pos + 12, 12);
          if (d.toString('latin1', 0, 4) === 'dmlh') dmlFrames = d.readUInt32LE(8);
        }
        pos += 8 + size + (size % 2);
      }
      if (!avih || avih.length < 40) return src.fail('no avih header');
      const usPerFrame = avih.readUInt32LE(0);
      const frames = dmlFrames || avih.readUInt32LE(16);
      const width = avih.readUInt32LE(32);
      const height = avih.readUInt32LE(36);
      checkDims(ID, [width, height], limits);
      const meta: FileMeta = { kind: 'video', format: ID, width, height, frames };
      if (usPerFrame > 0) meta.durationSec = (frames * usPerFrame) / 1e6;
      return meta;
    });
  },
};
