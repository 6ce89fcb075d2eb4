// MetaImage (ITK's MetaIO, itk.org/Wiki/ITK/MetaIO/Documentation): a text header of "Key = Value" lines
// (NDims, DimSize, ElementSpacing or ElementSize, ElementType, ElementNumberOfChannels) ending with
// ElementDataFile, which is LOCAL when the data follows in the same file (.mha) or names a .raw/.zraw.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, cleanSpacing, hasExt, withSource } from './io.js';
import { fields, headerLines, numbers } from './text-header.js';
import type { FormatHandler } from './types.js';

const ID = 'metaimage';
const BITS: Record<string, number> = {
  MET_CHAR: 8, MET_UCHAR: 8, MET_SHORT: 16, MET_USHORT: 16, MET_INT: 32, MET_UINT: 32, MET_LONG: 32, MET_ULONG: 32,
  MET_LONG_LONG: 64, MET_ULONG_LONG: 64, MET_FLOAT: 32, MET_DOUBLE: 64,
};
const FIRST_KEYS = /^(ObjectType|NDims)\s*=/;

export const metaimageHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (FIRST_KEYS.test(head.toString('latin1', 0, 64)) ? 'content' : hasExt(name, ['.mha', '.mhd']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const lines = await headerLines(src, (l) => /^\s*ElementDataFile\s*=/.test(l));
      const f = fields(lines, /\s*=\s*/);
      const nd = Number(f.get('ndims'));
      const dims = numbers(f.get('dimsize'));
      if (!Number.isInteger(nd) || nd < 1 || nd > 8 || dims.length !== nd) return src.fail('missing or inconsistent NDims/DimSize');
      checkDims(ID, dims, limits);
      const type = f.get('elementtype')?.replace(/_ARRAY$/, '');
      const bits = type === undefined ? undefined : BITS[type];
      if (bits === undefined) src.fail(`unknown ElementType '${f.get('elementtype') ?? ''}'`);
      const channels = Number(f.get('elementnumberofchannels') ?? 1);
      const [w, h = 1, d = 1, t = 1] = dims;
      const meta: FileMeta = { kind: nd >= 3 && d > 1 ? 'volume' : 'image', format: ID, width: w!, height: h, channels, bitDepth: bits };
      if (d > 1) meta.depth = d;
      if (t > 1) meta.frames = t;
      const spacing = cleanSpacing(numbers(f.get('elementspacing') ?? f.get('elementsize')).slice(0, Math.min(nd, 3)));
      if (spacing) meta.spacing = spacing;
      return meta;
    });
  },
};
