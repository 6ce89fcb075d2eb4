// Synthetic pictures for the demo mirror: chest-X-ray-like radiographs (body, lungs, ribs, spine, heart
// shadow; an "abnormal" one has an opacity in one lung) and the frames of a short echo-like video.
// Drawn with plain arithmetic, deterministic per seed. They look like their kind, and are nothing more.
import { prng } from './demo-signals.js';

export interface Grey {
  width: number;
  height: number;
  /** Row by row from the top; 0..255 (8-bit) or 0..65535 (16-bit). */
  data: Uint8Array | Uint16Array;
}

const ell = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
const smooth = (d: number) => (d >= 1 ? 0 : d <= 0.8 ? 1 : (1 - d) / 0.2);

/** Attenuation-like map in [0, 1] of a chest radiograph (posteroanterior view: patient left on the right). */
function chest(size: number, seed: number, abnormal: boolean): Float64Array {
  const rand = prng(seed);
  const s = size / 256;
  const jitter = () => (rand() - 0.5) * 8 * s;
  const cx = 128 * s + jitter();
  const cy = 136 * s + jitter();
  const lungs = [
    { cx: cx - 48 * s, cy: cy - 12 * s, rx: (40 + jitter() / 2) * s, ry: 78 * s },
    { cx: cx + 48 * s, cy: cy - 12 * s, rx: (40 + jitter() / 2) * s, ry: 78 * s },
  ];
  const lesion = abnormal ? { ...lungs[rand() < 0.5 ? 0 : 1]!, r: (12 + rand() * 10) * s, dy: (rand() - 0.3) * 50 * s } : undefined;
  const out = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0.05;
      v += 0.4 * smooth(ell(x, y, cx, cy + 10 * s, 110 * s, 125 * s));
      let lung = 0;
      for (const l of lungs) lung = Math.max(lung, smooth(ell(x, y, l.cx, l.cy, l.rx, l.ry)));
      v -= 0.25 * lung;
      // Ribs: bands along parabolas curving down from the spine, 9 per side, visible over the lungs.
      const side = x < cx ? -1 : 1;
      const dx = Math.abs(x - cx) / s;
      for (let r = 0; r < 9; r++) {
        const y0 = cy - 85 * s + r * 19 * s;
        const yr = y0 + 0.006 * dx * dx * s + side * 0;
        if (dx > 14 && dx < 100 && Math.abs(y - yr) < 3.2 * s) v += 0.14 * (0.4 + 0.6 * lung);
      }
      // Clavicles, spine, heart shadow (towards the patient's left = image right).
      if (Math.abs(y - (cy - 95 * s + 0.12 * Math.abs(x - cx))) < 4 * s && dx > 10 && dx < 80) v += 0.2;
      if (Math.abs(x - cx) < 11 * s && y > cy - 110 * s) v += 0.3;
      v += 0.15 * smooth(ell(x, y, cx + 18 * s, cy + 40 * s, 44 * s, 38 * s));
      if (lesion) v += 0.3 * smooth(ell(x, y, lesion.cx, lesion.cy + lesion.dy, lesion.r, lesion.r * 1.2));
      v += 0.02 * (rand() - 0.5);
      out[y * size + x] = Math.max(0, Math.min(1, v));
    }
  }
  return out;
}

/** An 8-bit chest-X-ray-like image, `size` × `size`. */
export function xrayLike(size: number, seed: number, abnormal: boolean): Grey {
  const a = chest(size, seed, abnormal);
  const data = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) data[i] = Math.round(a[i]! * 255);
  return { width: size, height: size, data };
}

/** The same picture with 12-bit detector-like values in a 16-bit image (most of the range unused, as usual). */
export function xrayLike16(size: number, seed: number, abnormal: boolean): Grey {
  const a = chest(size, seed, abnormal);
  const data = new Uint16Array(a.length);
  for (let i = 0; i < a.length; i++) data[i] = 200 + Math.round(a[i]! * 3600);
  return { width: size, height: size, data };
}

/**
 * Frame `i` of an echo-like clip at `fps`: a speckled sector with a chamber whose wall contracts once per
 * heartbeat (≈ 72 bpm), and a moving sweep line, so that playback visibly moves.
 */
export function videoFrame(width: number, height: number, i: number, fps: number): Uint8Array {
  const t = i / fps;
  const rand = prng(1000 + i);
  const beat = 0.5 + 0.5 * Math.cos((2 * Math.PI * t) / 0.83);
  const out = new Uint8Array(width * height);
  const apexX = width / 2;
  const sweep = ((t * 0.8) % 1) * 1.4 - 0.7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - apexX;
      const r = Math.hypot(dx, y);
      const angle = Math.atan2(dx, y);
      let v = 0;
      if (Math.abs(angle) < 0.75 && r < height * 0.95) {
        v = 40 + 50 * rand();
        const d = ell(x, y, apexX, height * 0.55, width * (0.16 + 0.04 * beat), height * (0.28 + 0.05 * beat));
        if (d < 1) v = 10 + 10 * rand();
        else if (d < 1.5) v = 150 + 80 * rand();
        if (Math.abs(angle - sweep) < 0.015) v = 235;
      }
      out[y * width + x] = Math.round(v);
    }
  }
  return out;
}
