import { describe, expect, it } from 'vitest';
import type { FileMeta } from './file-meta.js';
import { summarise } from './mirror-summary.js';

const f = (kind: string, meta: Partial<FileMeta> | null, series_uid: string | null = null, label: string | null = null) =>
  ({ kind, format: 'x', meta: meta as FileMeta | null, series_uid, label, split: null });

describe('summarise', () => {
  it('counts slices per volume: volume files by depth, DICOM series by their files', () => {
    const s = summarise([
      f('volume', { width: 4, height: 4, depth: 30 }), f('volume', { width: 4, height: 4, depth: 30 }), f('volume', { width: 4, height: 4, depth: 12 }),
      f('image', { width: 4, height: 4 }, null, 'a'),
      ...Array.from({ length: 12 }, () => f('series-slice', { width: 8, height: 8 }, '1.2')),
      ...Array.from({ length: 5 }, () => f('series-slice', { width: 8, height: 8 }, '1.3')),
    ]);
    expect(s.slice_counts).toEqual([{ slices: 12, files: 2 }, { slices: 30, files: 2 }, { slices: 5, files: 1 }]);
    expect(s.series).toEqual({ count: 2, slices_min: 5, slices_max: 12 });
    expect(s.by_label).toEqual({ a: 1 });
  });
});
