// NRRD (teem.sourceforge.net/nrrd/format.html, NRRD0001-0005): magic "NRRD000n", then "field: value"
// lines ("dimension", "type", "sizes", "spacings" or "space directions", "kinds") up to a blank line, after
// which the data follows (or lives in a "data file" for a detached .nhdr).
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, cleanSpacing, hasExt, withSource } from './io.js';
import { fields, headerLines, numbers } from './text-header.js';
import type { FormatHandler } from './types.js';

const ID = 'nrrd';
const BITS: Record<string, number> = {
  'signed char': 8, int8: 8, int8_t: 8, uchar: 8, 'unsigned char': 8, uint8: 8, uint8_t: 8,
  short: 16, 'short int': 16, 'signed short': 16, 'signed short int': 16, int16: 16, int16_t: 16,
  ushort: 16, 'unsigned short': 16, 'unsigned short int': 16, uint16: 16, uint16_t: 16,
  int: 32, 'signed int': 32, int32: 32, int32_t: 32, uint: 32, 'unsigned int': 32, uint32: 32, uint32_t: 32,
  longlong: 64, 'long long': 64, 'long long int': 64, 'signed long long': 64, 'signed long long int': 64, int64: 64, int64_t: 64,
  ulonglong: 64, 'unsigned long long': 64, 'unsigned long long int': 64, uint64: 64, uint64_t: 64,
  float: 32, double: 64, block: 8,
};
// Axis kinds that hold the components of one sample rather than a spatial axis.
const COMPONENT_KINDS = /^(rgb-color|rgba-color|hsv-color|xyz-color|vector|covariant-vector|normal|2-vector|3-vector|4-vector|3-color|4-color|list|point|complex|quaternion|3d-symmetric-matrix|3d-matrix)$/i;

export const nrrdHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (/^NRRD000[1-9]/.test(head.toString('latin1', 0, 8)) ? 'content' : hasExt(name, ['.nrrd', '.nhdr']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const lines = await headerLines(src, () => false);
      if (!/^NRRD000[1-9]/.test(lines[0] ?? '')) return src.fail('no NRRD magic');
      const f = fields(lines.slice(1).filter((l) => !l.startsWith('#')), /:=?\s*/);
      const nd = Number(f.get('dimension'));
      let sizes = numbers(f.get('sizes'));
      if (!Number.isInteger(nd) || nd < 1 || nd > 16 || sizes.length !== nd) return src.fail('missing or inconsistent dimension/sizes');
      checkDims(ID, sizes, limits);
      const bits = BITS[f.get('type') ?? ''];
      if (bits === undefined) src.fail(`unknown type '${f.get('type') ?? ''}'`);
      const kinds = (f.get('kinds') ?? '').split(/\s+/);
      let channels = 1;
      let spacingAxes: number[] = [];
      const spacings = numbers(f.get('spacings'));
      const directions = f.get('space directions')?.match(/\(([^)]*)\)|none/g) ?? [];
      const axisSpacing = (i: number): number => {
        if (spacings.length === nd) return spacings[i]!;
        const dir = directions[i];
        if (!dir || dir === 'none') return NaN;
        return Math.hypot(...dir.slice(1, -1).split(',').map(Number));
      };
      let axes = sizes.map((_, i) => i);
      if (nd > 1 && COMPONENT_KINDS.test(kinds[0] ?? '')) {
        channels = sizes[0]!;
        axes = axes.slice(1);
      }
      sizes = axes.map((i) => sizes[i]!);
      spacingAxes = axes.slice(0, 3).map(axisSpacing);
      const [w, h = 1, d = 1, t = 1] = sizes;
      const meta: FileMeta = { kind: sizes.length >= 3 && d > 1 ? 'volume' : 'image', format: ID, width: w!, height: h, channels, bitDepth: bits };
      if (d > 1) meta.depth = d;
      if (t > 1) meta.frames = t;
      const spacing = cleanSpacing(spacingAxes);
      if (spacing) meta.spacing = spacing;
      return meta;
    });
  },
};
