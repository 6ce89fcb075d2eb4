// Netpbm PBM/PGM/PPM (netpbm.sourceforge.net/doc/pgm.html, ppm.html): magic P1-P6, then whitespace-separated
// width, height and (except PBM) maxval, with '#' comments to end of line. Bit depth is ceil(log2(maxval+1)).
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'netpbm';

function headerTokens(text: string, count: number): string[] | null {
  const tokens: string[] = [];
  let i = 0;
  while (tokens.length < count && i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return null;
      i = nl + 1;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      let j = i;
      while (j < text.length && !/\s|#/.test(text[j]!)) j++;
      if (j === text.length) return null; // a token must end with whitespace
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens.length === count ? tokens : null;
}

export const netpbmHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (head.length >= 3 && head[0] === 0x50 && head[1]! >= 0x31 && head[1]! <= 0x36 && /\s/.test(String.fromCharCode(head[2]!))) return 'content';
    return hasExt(name, ['.pgm', '.ppm', '.pbm', '.pnm']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const text = (await src.readUpTo(0, 4096)).toString('latin1');
      const kind = text.slice(0, 2);
      if (!/^P[1-6]$/.test(kind)) src.fail('no P1-P6 magic');
      const bitmap = kind === 'P1' || kind === 'P4';
      const tokens = headerTokens(text.slice(2), bitmap ? 2 : 3);
      if (!tokens || !tokens.every((t) => /^\d{1,9}$/.test(t))) return src.fail('invalid header');
      const [width, height, maxval = 1] = tokens.map(Number) as [number, number, number?];
      if (maxval < 1 || maxval > 65535) src.fail(`invalid maxval ${maxval}`);
      checkDims(ID, [width, height], limits);
      const channels = kind === 'P3' || kind === 'P6' ? 3 : 1;
      return { kind: 'image', format: ID, width, height, channels, bitDepth: Math.ceil(Math.log2(maxval + 1)) };
    });
  },
};
