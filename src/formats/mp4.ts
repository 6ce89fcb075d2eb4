// ISO base media file format (ISO/IEC 14496-12 §4.2 box structure, §8.2.2 mvhd, §8.3.2 tkhd, §8.4.3 hdlr,
// §8.5.2 sample entries, §8.7.3 stsz) as used by MP4, M4A and QuickTime MOV. Top-level boxes are walked by
// their sizes (mdat is skipped, not read); only moov is read, within the read limit.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'mp4';
const MAX_TOP_BOXES = 1024;
const MAX_MOOV = 16 * 2 ** 20;
// Still-image brands that share the container (HEIF, AVIF): not handled here.
const IMAGE_BRANDS = new Set(['heic', 'heix', 'mif1', 'msf1', 'avif', 'avis']);
const CONTAINERS = new Set(['trak', 'mdia', 'minf', 'stbl']);

interface Track { handler?: string; width?: number; height?: number; channels?: number; rate?: number; samples?: number }

/** Children of a box's payload [start, end): [type, payloadStart, payloadEnd]. */
function* boxes(b: Buffer, start: number, end: number): Generator<[string, number, number]> {
  let pos = start;
  for (let i = 0; i < 10_000 && pos + 8 <= end; i++) {
    let size = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > end) return;
      size = Number(b.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header || pos + size > end) return;
    yield [type, pos + header, pos + size];
    pos += size;
  }
}

/**
 * MP4 writers store channelcount = 2 as the spec's template value; for AAC the real count is in the
 * AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) inside the esds descriptors (ISO/IEC 14496-1 §7.2.6).
 */
function aacChannels(d: Buffer): number | undefined {
  let pos = 0;
  for (let i = 0; i < 16 && pos + 2 <= d.length; i++) {
    const tag = d[pos++]!;
    let len = 0;
    for (let k = 0; k < 4 && pos < d.length; k++) {
      const c = d[pos++]!;
      len = (len << 7) | (c & 0x7f);
      if (!(c & 0x80)) break;
    }
    if (tag === 0x03) {
      const flags = d[pos + 2] ?? 0;
      pos += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + (d[pos + 3] ?? 0) : 0) + (flags & 0x20 ? 2 : 0);
    } else if (tag === 0x04) pos += 13;
    else if (tag === 0x05) {
      if (pos + 2 > d.length) return undefined;
      const config = (d.readUInt16BE(pos) >> 3) & 0x0f;
      return config >= 1 && config <= 6 ? config : config === 7 ? 8 : undefined;
    } else pos += len;
  }
  return undefined;
}

function readTrack(b: Buffer, start: number, end: number, t: Track, depth = 0): void {
  if (depth > 8) return; // trak > mdia > minf > stbl: deeper nesting is hostile
  for (const [type, s, e] of boxes(b, start, end)) {
    if (CONTAINERS.has(type)) readTrack(b, s, e, t, depth + 1);
    else if (type === 'tkhd' && e - s >= 84) {
      const w = b[s] === 1 ? 88 : 76;
      if (s + w + 8 <= e) {
        t.width = b.readUInt32BE(s + w) / 65536;
        t.height = b.readUInt32BE(s + w + 4) / 65536;
      }
    } else if (type === 'hdlr' && e - s >= 12) {
      // QuickTime has a second hdlr in minf (data handler 'alis'/'url '): the media handler in mdia comes first.
      t.handler ??= b.toString('latin1', s + 8, s + 12);
    } else if (type === 'stsd' && e - s >= 8 + 36 && t.handler === 'soun') {
      const entry = s + 8; // version/flags, entry_count, then the first AudioSampleEntry (§12.2.3)
      t.channels = b.readUInt16BE(entry + 24);
      t.rate = b.readUInt32BE(entry + 32) / 65536;
      const entryEnd = Math.min(e, entry + b.readUInt32BE(entry));
      for (const [child, cs, ce] of boxes(b, entry + 36, entryEnd)) {
        if (child === 'esds') t.channels = aacChannels(b.subarray(cs + 4, ce)) ?? t.channels;
      }
    } else if (type === 'stsz' && e - s >= 12) t.samples = b.readUInt32BE(s + 8);
  }
}

export const mp4Handler: FormatHandler = {
  id: ID,
  match(head, name) {
    const type = head.toString('latin1', 4, 8);
    if (type === 'ftyp') return IMAGE_BRANDS.has(head.toString('latin1', 8, 12)) ? false : 'content';
    if ((type === 'moov' || type === 'mdat' || type === 'wide' || type === 'free') && hasExt(name, ['.mov', '.qt'])) return 'content';
    return hasExt(name, ['.mp4', '.m4a', '.m4v', '.mov', '.qt', '.3gp']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      let brand: string | undefined;
      let moov: Buffer | undefined;
      let pos = 0;
      for (let i = 0; i < MAX_TOP_BOXES && pos + 8 <= src.size && !moov; i++) {
        const h = await src.read(pos, Math.min(16, src.size - pos));
        let size = h.readUInt32BE(0);
        const type = h.toString('latin1', 4, 8);
        let header = 8;
        if (size === 1) {
          if (h.length < 16) src.fail('truncated');
          size = Number(h.readBigUInt64BE(8));
          header = 16;
        } else if (size === 0) size = src.size - pos;
        if (size < header) src.fail('invalid box size');
        if (type === 'ftyp' && h.length >= 12) brand = h.toString('latin1', 8, 12);
        if (type === 'moov') {
          if (size > Math.min(MAX_MOOV, limits.maxReadBytes)) src.fail('moov box exceeds the read limit');
          moov = await src.read(pos + header, size - header);
        }
        pos += size;
      }
      if (!moov) return src.fail('no moov box');
      let timescale = 0;
      let duration = 0;
      const tracks: Track[] = [];
      for (const [type, s, e] of boxes(moov, 0, moov.length)) {
        if (type === 'mvhd' && e - s >= 32) {
          const v1 = moov[s] === 1;
          timescale = moov.readUInt32BE(s + (v1 ? 20 : 12));
          duration = v1 ? Number(moov.readBigUInt64BE(s + 24)) : moov.readUInt32BE(s + 16);
        } else if (type === 'trak') {
          const t: Track = {};
          readTrack(moov, s, e, t);
          tracks.push(t);
        }
      }
      const format = brand === 'qt  ' || brand === undefined ? 'mov' : ID;
      const video = tracks.find((t) => t.handler === 'vide' && t.width && t.height);
      const audio = tracks.find((t) => t.handler === 'soun');
      if (!video && !audio) src.fail('no audio or video track');
      let meta: FileMeta;
      if (video) {
        const width = Math.round(video.width!);
        const height = Math.round(video.height!);
        checkDims(ID, [width, height], limits);
        meta = { kind: 'video', format, width, height };
        if (video.samples) meta.frames = video.samples;
      } else {
        meta = { kind: 'audio', format };
        if (audio?.channels) meta.channels = audio.channels;
      }
      if (audio?.rate) meta.sampleRate = audio.rate;
      if (timescale > 0) meta.durationSec = duration / timescale;
      return meta;
    });
  },
};
