// Ogg (RFC 3533 §6: page header 'OggS', granule position at byte 6, segment table at 27) carrying Vorbis
// (Vorbis I spec §4.2.2 identification header), Opus (RFC 7845 §5.1 'OpusHead'; granule in 48 kHz samples,
// minus pre-skip) or Theora (Theora spec §6.2 identification header). The duration comes from the granule
// position of the last page of the first logical stream.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'ogg';
const TAIL_BYTES = 64 * 1024;

/** Granule position of the last page of `serial` in `tail`, or undefined. */
function lastGranule(tail: Buffer, serial: number): bigint | undefined {
  for (let at = tail.lastIndexOf('OggS'); at >= 0; at = at === 0 ? -1 : tail.lastIndexOf('OggS', at - 1)) {
    if (at + 18 > tail.length || tail.readUInt32LE(at + 14) !== serial) continue;
    const g = tail.readBigInt64LE(at + 6);
    if (g >= 0n) return g;
  }
  return undefined;
}

export const oggHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (head.toString('latin1', 0, 4) === 'OggS' ? 'content' : hasExt(name, ['.ogg', '.oga', '.ogv', '.opus']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const page = await src.readUpTo(0, 27 + 255 + 64);
      if (page.length < 28 || page.toString('latin1', 0, 4) !== 'OggS') return src.fail('no Ogg page');
      const serial = page.readUInt32LE(14);
      const p = page.subarray(27 + page[26]!);
      let meta: FileMeta;
      let rate: number;
      let preSkip = 0;
      if (p.length >= 16 && p[0] === 1 && p.toString('latin1', 1, 7) === 'vorbis') {
        rate = p.readUInt32LE(12);
        meta = { kind: 'audio', format: ID, channels: p[11]!, sampleRate: rate };
      } else if (p.length >= 16 && p.toString('latin1', 0, 8) === 'OpusHead') {
        rate = 48_000; // Opus always decodes at 48 kHz; the input rate field is informational (RFC 7845 §5.1).
        preSkip = p.readUInt16LE(10);
        meta = { kind: 'audio', format: ID, channels: p[9]!, sampleRate: rate };
      } else if (p.length >= 20 && p[0] === 0x80 && p.toString('latin1', 1, 7) === 'theora') {
        const width = p.readUIntBE(14, 3);
        const height = p.readUIntBE(17, 3);
        checkDims(ID, [width, height], limits);
        return { kind: 'video', format: ID, width, height };
      } else {
        return src.fail('unknown codec in the first Ogg stream');
      }
      if (rate < 1 || meta.channels === 0) src.fail('invalid identification header');
      const tailStart = Math.max(0, src.size - TAIL_BYTES);
      const granule = lastGranule(await src.readUpTo(tailStart, TAIL_BYTES), serial);
      if (granule !== undefined) meta.durationSec = Math.max(0, Number(granule) - preSkip) / rate;
      return meta;
    });
  },
};
