// WFDB header files (.hea), PhysioNet "header(5)" format: '#' comment lines, then the record line
// "name[/segments] nsig [fs[/counterfreq][(base)] [nsamp [time [date]]]]" and one line per signal
// "file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero [initval [checksum
// [blocksize [description]]]]]]]". The description is the lead name. The .dat files are indexed as plain data.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'wfdb';
const MAX_HEADER = 256 * 1024;
const MAX_SIGNALS = 4096;

export const wfdbHandler: FormatHandler = {
  id: ID,
  match: (_head, name) => (hasExt(name, ['.hea']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const buf = await src.readUpTo(0, MAX_HEADER);
      if (buf.includes(0)) src.fail('binary data in a text header');
      const lines = buf.toString('latin1').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      const record = lines[0]?.split(/\s+/);
      if (!record || record.length < 2) return src.fail('no record line');
      const nsig = Number(record[1]);
      if (!Number.isInteger(nsig) || nsig < 0 || nsig > MAX_SIGNALS) src.fail(`invalid number of signals '${record[1]}'`);
      // Sampling frequency defaults to 250 Hz (header(5)); "360/1(0)" forms carry a counter frequency and base.
      const fsField = record[2];
      const sampleRate = fsField === undefined ? 250 : Number(fsField.split(/[/(]/)[0]);
      if (!Number.isFinite(sampleRate) || sampleRate <= 0) src.fail(`invalid sampling frequency '${fsField}'`);
      const meta: FileMeta = { kind: 'signal', format: ID, leads: nsig, sampleRate };
      const nsamp = record[3] === undefined ? undefined : Number(record[3]);
      if (nsamp !== undefined && Number.isSafeInteger(nsamp) && nsamp > 0) meta.durationSec = nsamp / sampleRate;
      // A multi-segment record ("name/n") lists its segments instead of signals.
      if (!record[0]!.includes('/')) {
        const signals = lines.slice(1, 1 + nsig);
        if (signals.length < nsig) src.fail('fewer signal lines than signals');
        const names = signals.map((l) => l.split(/\s+/).slice(8).join(' '));
        if (names.every((n) => n !== '')) meta.leadNames = names;
      }
      return meta;
    });
  },
};
