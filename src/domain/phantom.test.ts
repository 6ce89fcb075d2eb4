import { describe, expect, it } from 'vitest';
import { ECG_LEADS, ecg12, heartSound } from './demo-signals.js';
import { xrayLike, xrayLike16 } from './demo-images.js';
import { demoUid, DEMO_DATASETS, isDemoSlug } from './demo.js';
import { AIR_HU, downsample, MARKER, sheppLogan3d } from './phantom.js';

describe('the Shepp–Logan demo phantom', () => {
  const p = sheppLogan3d(64, 64, 32);
  const at = (x: number, y: number, z: number) => p.hu[x + 64 * (y + 64 * z)]!;
  const label = (x: number, y: number, z: number) => p.mask[x + 64 * (y + 64 * z)]!;

  it('has HU-like values: air outside, bright skull, brain-like inside', () => {
    expect(at(0, 0, 0)).toBe(AIR_HU);
    expect(at(32, 32, 16)).toBeGreaterThan(-50);
    expect(at(32, 32, 16)).toBeLessThan(200);
    // Along the x axis through the centre, the skull (the first ellipsoid's rim) is the brightest head value.
    const row = Array.from({ length: 64 }, (_, x) => at(x, 32, 16));
    expect(Math.max(...row)).toBeGreaterThanOrEqual(700);
    expect(new Set(p.mask)).toEqual(new Set([0, 1, 2, 3]));
  });

  it('puts the marker at the patient left (high x), anterior (low y), superior (high z) corner, and nowhere else', () => {
    const [[x0, x1], [y0, y1], [z0, z1]] = p.marker;
    expect(x0).toBeGreaterThan(32);
    expect(y1).toBeLessThan(32);
    expect(z0).toBeGreaterThan(16);
    const wrong: string[] = [];
    for (let z = 0; z < 32; z++) {
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const inMarker = x >= x0 && x <= x1 && y >= y0 && y <= y1 && z >= z0 && z <= z1;
          if ((at(x, y, z) === MARKER.hu) !== inMarker || (label(x, y, z) === 3) !== inMarker) wrong.push(`${x},${y},${z}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect((x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1)).toBeGreaterThan(8);
  });

  it('downsamples voxels and the marker range together', () => {
    const d = downsample(p, 2);
    expect(d.dims).toEqual([32, 32, 16]);
    expect(d.spacing).toEqual([p.spacing[0] * 2, p.spacing[1] * 2, p.spacing[2] * 2]);
    const [[x0], [y0], [z0]] = d.marker;
    expect(d.hu[x0 + 32 * (y0 + 32 * z0)]).toBe(MARKER.hu);
  });
});

describe('demo signals and pictures', () => {
  it('builds 12 ECG leads in which III, aVR, aVL and aVF follow from I and II', () => {
    const leads = ecg12(500, 2);
    expect(leads).toHaveLength(ECG_LEADS.length);
    expect(leads[0]).toHaveLength(1000);
    const [I, II, III, aVR, aVL, aVF] = leads as Float64Array[];
    for (const s of [10, 250, 777]) {
      expect(III![s]).toBeCloseTo(II![s]! - I![s]!, 9);
      expect(aVR![s]).toBeCloseTo(-(I![s]! + II![s]!) / 2, 9);
      expect(aVL![s]).toBeCloseTo(I![s]! - II![s]! / 2, 9);
      expect(aVF![s]).toBeCloseTo(II![s]! - I![s]! / 2, 9);
    }
    // R peaks of lead II reach about a millivolt.
    expect(Math.max(...II!)).toBeGreaterThan(0.9);
    expect(Math.max(...II!)).toBeLessThan(2);
  });

  it('builds a heart sound in [-1, 1] with loud bursts and quiet gaps, the same on every run', () => {
    const a = heartSound(4000, 2);
    expect(a).toHaveLength(8000);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.2);
    // A sound swings both ways: the bursts oscillate around zero (each lasts tens of milliseconds, not one pulse).
    expect(Math.min(...a)).toBeLessThan(-0.1);
    expect(Math.max(...a)).toBeGreaterThan(0.2);
    expect(a.filter((v) => Math.abs(v) > 0.1).length).toBeGreaterThan(200);
    expect(Math.max(...a.subarray(3000, 3200).map(Math.abs))).toBeLessThan(0.05);
    expect(heartSound(4000, 2)).toEqual(a);
  });

  it('draws X-ray-like pictures that differ between classes and fit their bit depth', () => {
    const normal = xrayLike(64, 3, false);
    const abnormal = xrayLike(64, 3, true);
    expect(normal.data).not.toEqual(abnormal.data);
    const wide = xrayLike16(64, 3, false);
    expect(Math.max(...wide.data)).toBeGreaterThan(255);
    expect(Math.max(...wide.data)).toBeLessThan(4096);
  });
});

describe('demo identifiers', () => {
  it('makes DICOM UIDs under 2.25 from a name-based UUID: valid, stable and distinct', () => {
    const a = demoUid('series/ct/v1');
    expect(a).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(demoUid('series/ct/v1')).toBe(a);
    expect(demoUid('series/ct/v2')).not.toBe(a);
    // Version 5 and the RFC variant are encoded in the integer.
    const hex = BigInt(a.slice(5)).toString(16).padStart(32, '0');
    expect(hex[12]).toBe('5');
    expect(['8', '9', 'a', 'b']).toContain(hex[16]);
  });

  it('names every demo dataset demo-…', () => {
    expect(DEMO_DATASETS.every((d) => isDemoSlug(d.slug))).toBe(true);
    expect(isDemoSlug('ptb-xl')).toBe(false);
  });
});
