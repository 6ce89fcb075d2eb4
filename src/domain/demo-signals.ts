// Synthetic physiological signals for the demo mirror: a 12-lead ECG and a phonocardiogram-like heart
// sound. Plausible shapes, not physiology: every beat is a sum of Gaussian waves (P, Q, R, S, T) in the
// spirit of McSharry et al.'s dynamical ECG model, and the heart sounds are damped low-frequency bursts.
// Deterministic: the same arguments give the same samples.

/** A small deterministic PRNG (mulberry32), so that generated files are byte-identical on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ECG_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;

interface Wave { at: number; width: number }
// Offsets from the R peak (s) and widths (s) of P, Q, R, S, T.
const WAVES: Record<'P' | 'Q' | 'R' | 'S' | 'T', Wave> = {
  P: { at: -0.2, width: 0.025 }, Q: { at: -0.03, width: 0.01 }, R: { at: 0, width: 0.011 },
  S: { at: 0.03, width: 0.012 }, T: { at: 0.3, width: 0.05 },
};
type Amps = Record<keyof typeof WAVES, number>;
// Amplitudes (mV) of the two limb leads that define the others, and of the chest leads (R/S progression).
const LEAD_I: Amps = { P: 0.08, Q: -0.05, R: 0.7, S: -0.1, T: 0.2 };
const LEAD_II: Amps = { P: 0.15, Q: -0.08, R: 1.2, S: -0.2, T: 0.3 };
const CHEST: Amps[] = [
  { P: 0.05, Q: 0, R: 0.25, S: -1.0, T: -0.1 },
  { P: 0.08, Q: 0, R: 0.5, S: -1.3, T: 0.4 },
  { P: 0.1, Q: -0.05, R: 0.9, S: -0.9, T: 0.45 },
  { P: 0.1, Q: -0.08, R: 1.4, S: -0.5, T: 0.45 },
  { P: 0.1, Q: -0.1, R: 1.3, S: -0.25, T: 0.35 },
  { P: 0.1, Q: -0.1, R: 1.0, S: -0.1, T: 0.3 },
];

function beatSum(amps: Amps, dt: number): number {
  let v = 0;
  for (const k of Object.keys(WAVES) as (keyof Amps)[]) {
    const w = WAVES[k];
    v += amps[k] * Math.exp(-(((dt - w.at) / w.width) ** 2) / 2);
  }
  return v;
}

/** R-peak times (s) at ~72 bpm with a slow respiratory modulation of the RR interval. */
export function rPeaks(seconds: number): number[] {
  const peaks: number[] = [];
  for (let t = 0.45; t < seconds + 1; ) {
    peaks.push(t);
    t += 0.83 + 0.04 * Math.sin((2 * Math.PI * t) / 4);
  }
  return peaks;
}

/**
 * 12 leads in millivolts (order of ECG_LEADS), `fs` samples per second for `seconds`. III, aVR, aVL and aVF
 * follow from I and II by Einthoven's and Goldberger's relations, as in a real recording.
 */
export function ecg12(fs: number, seconds: number): Float64Array[] {
  const n = Math.round(fs * seconds);
  const peaks = rPeaks(seconds);
  const rand = prng(12);
  const leads = ECG_LEADS.map(() => new Float64Array(n));
  let p = 0;
  for (let s = 0; s < n; s++) {
    const t = s / fs;
    while (p + 1 < peaks.length && Math.abs(peaks[p + 1]! - t) < Math.abs(peaks[p]! - t)) p++;
    const dt = t - peaks[p]!;
    // Baseline wander (respiration) and a little noise, different per lead.
    const wander = 0.05 * Math.sin(2 * Math.PI * 0.25 * t);
    const i = beatSum(LEAD_I, dt) + wander + 0.01 * (rand() - 0.5);
    const ii = beatSum(LEAD_II, dt) + wander * 1.2 + 0.01 * (rand() - 0.5);
    const values = [i, ii, ii - i, -(i + ii) / 2, i - ii / 2, ii - i / 2, ...CHEST.map((a) => beatSum(a, dt) + 0.6 * wander + 0.01 * (rand() - 0.5))];
    values.forEach((v, k) => { leads[k]![s] = v; });
  }
  return leads;
}

/**
 * A heart-sound-like recording in [-1, 1]: S1 (≈ 100 ms, 40–90 Hz damped components) at each beat and
 * S2 (≈ 70 ms, higher pitched) 0.3 s later, over faint broadband noise.
 */
export function heartSound(fs: number, seconds: number): Float64Array {
  const n = Math.round(fs * seconds);
  const out = new Float64Array(n);
  const rand = prng(7);
  const burst = (t: number, freqs: number[], decay: number, amp: number) =>
    t < 0 || t > 6 / decay ? 0 : amp * Math.sin((Math.PI / 2) * Math.min(1, t * 200)) * Math.exp(-decay * t) * freqs.reduce((a, f) => a + Math.sin(2 * Math.PI * f * t), 0) / freqs.length;
  const beats = rPeaks(seconds).map((t) => t + 0.05);
  for (let s = 0; s < n; s++) {
    const t = s / fs;
    let v = 0.01 * (rand() - 0.5);
    for (const b of beats) {
      if (t < b - 0.1 || t > b + 0.6) continue;
      v += burst(t - b, [45, 62, 88], 40, 0.8) + burst(t - b - 0.3, [70, 110, 150], 55, 0.6);
    }
    out[s] = Math.max(-1, Math.min(1, v));
  }
  return out;
}
