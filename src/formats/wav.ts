// WAVE (Microsoft/IBM RIFF spec 1991, "WAVE Form Type"; WAVE_FORMAT_EXTENSIBLE per Microsoft's
// WAVEFORMATEXTENSIBLE): RIFF 'WAVE' with chunks; 'fmt ' holds format tag, channels, sample rate, byte rate,
// block align and bits per sample; the 'data' chunk size over the byte rate gives the duration.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'wav';
const MAX_CHUNKS = 1024;

export const wavHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE') return 'content';
    return hasExt(name, ['.wav', '.wave']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const riff = await src.read(0, 12);
      if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WAVE') src.fail('not a RIFF WAVE file');
      let fmt: Buffer | undefined;
      let dataSize: number | undefined;
      let pos = 12;
      for (let i = 0; i < MAX_CHUNKS && pos + 8 <= src.size && dataSize === undefined; i++) {
        const h = await src.read(pos, 8);
        const id = h.toString('latin1', 0, 4);
        const size = h.readUInt32LE(4);
        if (id === 'fmt ') {
          if (size < 16 || size > 1024) src.fail('invalid fmt chunk');
          fmt = await src.read(pos + 8, size);
        } else if (id === 'data') {
          // 0xFFFFFFFF marks a stream whose length was unknown when written: the data runs to the end of the file.
          dataSize = Math.min(size, src.size - pos - 8);
        }
        pos += 8 + size + (size % 2); // chunks are padded to even sizes
      }
      if (!fmt) return src.fail('no fmt chunk');
      let formatTag = fmt.readUInt16LE(0);
      const channels = fmt.readUInt16LE(2);
      const sampleRate = fmt.readUInt32LE(4);
      const byteRate = fmt.readUInt32LE(8);
      let bitDepth = fmt.readUInt16LE(14);
      if (formatTag === 0xfffe && fmt.length >= 40) {
        // WAVEFORMATEXTENSIBLE: valid bits per sample, then the sub-format GUID whose first 2 bytes are the tag.
        bitDepth = fmt.readUInt16LE(18) || bitDepth;
        formatTag = fmt.readUInt16LE(24);
      }
      if (channels < 1 || channels > 1024 || sampleRate < 1 || sampleRate > 10_000_000) src.fail('invalid fmt values');
      const meta: FileMeta = { kind: 'audio', format: ID, channels, sampleRate };
      if (bitDepth > 0) meta.bitDepth = bitDepth;
      if (dataSize !== undefined && byteRate > 0) meta.durationSec = dataSize / byteRate;
      return meta;
    });
  },
};
