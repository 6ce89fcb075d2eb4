import { describe, expect, it } from 'vitest';
import { pickSamples, type SampleCandidate } from './samples.js';

let nextId = 1;
const file = (over: Partial<SampleCandidate>): SampleCandidate => {
  const id = nextId++;
  return { id, path: `f${String(id).padStart(3, '0')}.png`, kind: 'image', label: null, role: null, series_uid: null, error: null, has_thumbnail: true, previewable: true, sha256: id.toString(16).padStart(64, '0'), ...over };
};

describe('pickSamples', () => {
  it('covers every label class before taking a second file of any label', () => {
    const files = [
      ...Array.from({ length: 20 }, () => file({ label: 'PNEUMONIA' })),
      ...Array.from({ length: 3 }, () => file({ label: 'NORMAL' })),
      file({ label: 'COVID' }),
    ];
    const picked = pickSamples(files, 12);
    expect(picked.slice(0, 3).map((c) => c.label)).toEqual(['COVID', 'NORMAL', 'PNEUMONIA']);
    expect(picked).toHaveLength(12);
    // Round-robin: NORMAL's 3 files all appear before the 7th PNEUMONIA.
    expect(picked.filter((c) => c.label === 'NORMAL')).toHaveLength(3);
    expect(new Set(picked.map((c) => c.id)).size).toBe(12);
  });

  it('then covers kinds, counts a DICOM series once, and prefers readable files with thumbnails', () => {
    const series = Array.from({ length: 30 }, (_, i) => file({ kind: 'series-slice', series_uid: '1.2.3', has_thumbnail: i === 7 }));
    const broken = file({ kind: 'image', error: 'truncated', has_thumbnail: false });
    const noThumb = file({ kind: 'image', has_thumbnail: false });
    const good = file({ kind: 'image' });
    const wav = file({ kind: 'audio', path: 'a.wav', has_thumbnail: false });
    const picked = pickSamples([...series, broken, noThumb, good, wav], 12);
    expect(picked.filter((c) => c.series_uid === '1.2.3')).toEqual([series[7]]);
    expect(picked.map((c) => c.kind).slice(0, 3).sort()).toEqual(['audio', 'image', 'series-slice']);
    expect(picked.find((c) => c.kind === 'image')).toBe(good);
    expect(picked.indexOf(broken)).toBe(picked.length - 1);
    expect(picked).toHaveLength(5);
  });

  it('prefers an image to its mask and is deterministic whatever the input order', () => {
    const mask = file({ role: 'mask', sha256: '0'.repeat(64) });
    const image = file({ role: 'image', sha256: 'f'.repeat(64) });
    const files = [mask, image, ...Array.from({ length: 15 }, () => file({}))];
    const a = pickSamples(files, 6);
    const b = pickSamples([...files].reverse(), 6);
    expect(a.map((c) => c.id)).toEqual(b.map((c) => c.id));
    expect(a).toHaveLength(6);
    expect(pickSamples([mask, image], 1)).toEqual([image]);
  });

  it('leaves out files no viewer opens (a README, a sidecar) unless there is nothing else', () => {
    const readme = file({ kind: 'other', has_thumbnail: false, previewable: false, sha256: '0'.repeat(64) });
    const wav = file({ kind: 'audio', has_thumbnail: false });
    expect(pickSamples([readme, wav], 12)).toEqual([wav]);
    expect(pickSamples([readme], 12)).toEqual([readme]);
  });

  it('returns nothing for an empty dataset', () => {
    expect(pickSamples([], 12)).toEqual([]);
  });
});
