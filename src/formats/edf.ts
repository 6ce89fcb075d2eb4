// EDF (Kemp et al. 1992, edfplus.info/specs/edf.html) and EDF+ (edfplus.info/specs/edfplus.html), and BDF
// (BioSemi's 24-bit variant). The fixed 256-byte header is ASCII; we read only the technical fields
// (header size at 184, reserved 'EDF+C/D' at 192, number of records at 236, record duration at 244, number
// of signals at 252) and skip the patient and recording identification fields at 8-167 entirely. Then
// ns x 256 bytes of per-signal fields: labels (16 each), ..., samples per record (8 each) at 256 + 216*ns.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'edf';
const MAX_SIGNALS = 4096;

function looksLikeEdf(head: Buffer): boolean {
  if (head.length < 256) return false;
  const edf = head.toString('latin1', 0, 8) === '0       ';
  const bdf = head[0] === 0xff && head.toString('latin1', 1, 8) === 'BIOSEMI';
  return (edf || bdf) && /^\d+ *$/.test(head.toString('latin1', 184, 192)) && /^\s*\d+\s*$/.test(head.toString('latin1', 252, 256));
}

export const edfHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (looksLikeEdf(head) ? 'content' : hasExt(name, ['.edf', '.bdf']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const h = await src.read(0, 256);
      if (!looksLikeEdf(h)) src.fail('not an EDF header');
      const bdf = h[0] === 0xff;
      const field = (at: number, len: number) => h.toString('latin1', at, at + len).trim();
      const ns = Number(field(252, 4));
      const records = Number(field(236, 8));
      const recordSec = Number(field(244, 8));
      if (!Number.isInteger(ns) || ns < 1 || ns > MAX_SIGNALS) src.fail(`invalid number of signals '${field(252, 4)}'`);
      if (Number(field(184, 8)) !== 256 * (ns + 1)) src.fail('header size does not match the number of signals');
      const sig = await src.read(256, 256 * ns);
      const labels = Array.from({ length: ns }, (_, i) => sig.toString('latin1', 16 * i, 16 * i + 16).trim());
      const perRecord = Array.from({ length: ns }, (_, i) => Number(sig.toString('latin1', 216 * ns + 8 * i, 216 * ns + 8 * i + 8).trim()));
      if (perRecord.some((n) => !Number.isInteger(n) || n < 0)) src.fail('invalid samples per record');
      // The EDF+ annotation channel holds events, not a lead (EDF+ spec §2.2).
      const leads = labels.map((l, i) => ({ l, n: perRecord[i]! })).filter((s) => s.l !== 'EDF Annotations' && s.l !== 'BDF Annotations');
      const meta: FileMeta = { kind: 'signal', format: bdf ? 'bdf' : ID, leads: leads.length, leadNames: leads.map((s) => s.l), bitDepth: bdf ? 24 : 16 };
      if (Number.isFinite(recordSec) && recordSec > 0) {
        const maxPerRecord = Math.max(0, ...leads.map((s) => s.n));
        if (maxPerRecord > 0) meta.sampleRate = maxPerRecord / recordSec;
        // -1 records means "unknown while recording" (EDF spec): then the file size tells.
        const recordBytes = perRecord.reduce((a, b) => a + b, 0) * (bdf ? 3 : 2);
        const n = records >= 0 ? records : recordBytes > 0 ? Math.floor((src.size - 256 * (ns + 1)) / recordBytes) : 0;
        if (Number.isFinite(n) && n >= 0) meta.durationSec = n * recordSec;
      }
      return meta;
    });
  },
};
