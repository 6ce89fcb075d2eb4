// Matroska / WebM: EBML (RFC 8794 §4: variable-size integer IDs and sizes, all-ones size = unknown) with the
// Matroska schema (RFC 9559 §5.1): Segment > Info (TimestampScale, Duration) and Tracks > TrackEntry
// (TrackType 1 video / 2 audio, Video > PixelWidth/PixelHeight, Audio > SamplingFrequency/Channels).
// Reading stops at the first Cluster; a Tracks element placed after the clusters is not looked for.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'webm';
const PREFIX_BYTES = 1024 * 1024;
const MAX_ELEMENTS = 100_000;
// Segment > Tracks > TrackEntry > Video is 5 levels deep; a file nesting masters deeper is hostile.
const MAX_DEPTH = 8;
const EBML = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const VIDEO = 0xe0;
const AUDIO = 0xe1;
const CLUSTER = 0x1f43b675;
const MASTERS = new Set([EBML, SEGMENT, INFO, TRACKS, TRACK_ENTRY, VIDEO, AUDIO]);

/** An EBML variable-size integer (RFC 8794 §4): [value, length]; value -1 for the reserved all-ones size. */
function vint(b: Buffer, at: number, keepMarker: boolean): [number, number] | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const len = Math.clz32(first) - 23;
  if (at + len > b.length) return null;
  let v = keepMarker ? first : first & (0xff >> len);
  let allOnes = v === 0xff >> len;
  for (let i = 1; i < len; i++) {
    v = v * 256 + b[at + i]!;
    allOnes &&= b[at + i] === 0xff;
  }
  return [!keepMarker && allOnes ? -1 : v, len];
}

interface Found { docType?: string; scale: number; duration?: number; video?: { w: number; h: number }; audio?: { rate?: number; channels?: number } }

function walk(b: Buffer, start: number, end: number, out: Found, track: { type?: number; w?: number; h?: number; rate?: number; ch?: number }, budget: { n: number }, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  let pos = start;
  while (pos < end) {
    if (--budget.n < 0) return false;
    const id = vint(b, pos, true);
    if (!id) return false;
    const size = vint(b, pos + id[1], false);
    if (!size) return false;
    const at = pos + id[1] + size[1];
    const dataEnd = size[0] < 0 ? end : Math.min(at + size[0], end);
    const tag = id[0];
    if (tag === CLUSTER) return false;
    if (MASTERS.has(tag)) {
      const t = tag === TRACK_ENTRY ? {} : track;
      if (!walk(b, at, dataEnd, out, t, budget, depth + 1) && dataEnd === end) return false;
      if (tag === TRACK_ENTRY) {
        const tt = t as typeof track;
        if (tt.type === 1 && tt.w !== undefined && tt.h !== undefined && !out.video) out.video = { w: tt.w, h: tt.h };
        if (tt.type === 2 && !out.audio) out.audio = { rate: tt.rate, channels: tt.ch };
      }
    } else if (at + size[0] <= b.length && size[0] >= 0 && size[0] <= 64) {
      const v = b.subarray(at, at + size[0]);
      const uint = () => v.reduce((a, x) => a * 256 + x, 0);
      const float = () => (v.length === 4 ? v.readFloatBE(0) : v.length === 8 ? v.readDoubleBE(0) : NaN);
      if (tag === 0x4282) out.docType = v.toString('latin1').replace(/\0+$/, '');
      else if (tag === 0x2ad7b1) out.scale = uint();
      else if (tag === 0x4489) out.duration = float();
      else if (tag === 0x83) track.type = uint();
      else if (tag === 0xb0) track.w = uint();
      else if (tag === 0xba) track.h = uint();
      else if (tag === 0xb5) track.rate = float();
      else if (tag === 0x9f) track.ch = uint();
    }
    if (size[0] < 0) return true;
    pos = at + size[0];
  }
  return true;
}

export const webmHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (head.length >= 4 && head.readUInt32BE(0) === EBML ? 'content' : hasExt(name, ['.webm', '.mkv', '.mka', '.mk3d']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const b = await src.readUpTo(0, PREFIX_BYTES);
      if (b.length < 4 || b.readUInt32BE(0) !== EBML) return src.fail('no EBML header');
      const out: Found = { scale: 1_000_000 };
      walk(b, 0, b.length, out, {}, { n: MAX_ELEMENTS });
      if (out.docType !== 'webm' && out.docType !== 'matroska') src.fail(`unsupported EBML document type '${out.docType ?? ''}'`);
      if (!out.video && !out.audio) src.fail('no audio or video track found');
      const meta: FileMeta = out.video
        ? { kind: 'video', format: ID, width: out.video.w, height: out.video.h }
        : { kind: 'audio', format: ID };
      if (out.video) checkDims(ID, [out.video.w, out.video.h], limits);
      if (out.audio?.rate) meta.sampleRate = out.audio.rate;
      if (out.audio?.channels && !out.video) meta.channels = out.audio.channels;
      // Duration is in TimestampScale units (nanoseconds per unit, default 1 ms).
      if (out.duration !== undefined && Number.isFinite(out.duration) && out.duration >= 0) meta.durationSec = (out.duration * out.scale) / 1e9;
      return meta;
    });
  },
};
