import { describe, expect, it } from 'vitest';
import { escapeBibtex } from './citation.js';
import { toFtsQuery } from './dataset-query.js';
import { orderSlices } from './series.js';
import { filesHistogram } from './stats.js';
import { TABLE1_CELLS, uncoveredCells } from './table1.js';

describe('toFtsQuery', () => {
  it('quotes words and makes each a prefix', () => {
    expect(toFtsQuery('Chest X-ray')).toBe('"chest"* "x"* "ray"*');
    expect(toFtsQuery('Sjögren')).toBe('"sjögren"*');
  });
  it('leaves nothing of FTS5 syntax', () => {
    expect(toFtsQuery('a" OR name:b*')).toBe('"a"* "or"* "name"* "b"*');
    expect(toFtsQuery('  ')).toBeUndefined();
    expect(toFtsQuery('"*()')).toBeUndefined();
    expect(toFtsQuery(undefined)).toBeUndefined();
  });
  it('caps the number of terms', () => {
    expect(toFtsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))?.split(' ')).toHaveLength(12);
  });
});

describe('escapeBibtex', () => {
  it('escapes the ten special characters', () => {
    expect(escapeBibtex('50% & $5 #1 a_b {x} ^ ~ \\')).toBe('50\\% \\& \\$5 \\#1 a\\_b \\{x\\} \\^{} \\~{} \\textbackslash{}');
  });
});

describe('filesHistogram', () => {
  it('puts counts into decade bins and counts unknowns', () => {
    expect(filesHistogram([7, 10, 99, 327680, null, undefined, 0])).toEqual({
      bins: [
        { min: 1, max: 10, datasets: 1 },
        { min: 10, max: 100, datasets: 2 },
        { min: 100, max: 1000, datasets: 0 },
        { min: 1000, max: 10000, datasets: 0 },
        { min: 10000, max: 100000, datasets: 0 },
        { min: 100000, max: 1000000, datasets: 1 },
      ],
      unknown: 3,
    });
    expect(filesHistogram([1000, 999])).toEqual({ bins: [{ min: 100, max: 1000, datasets: 1 }, { min: 1000, max: 10000, datasets: 1 }], unknown: 0 });
  });
});

describe('Table 1 cells', () => {
  it('has the 31 organ x modality cells of the paper (whole-body CT once)', () => {
    expect(TABLE1_CELLS).toHaveLength(31);
  });
  it('counts Others cells for any organ, and organ cells only for that organ', () => {
    const gaps = uncoveredCells([{ modalities: ['HS'], organs: ['breast'] }, { modalities: ['CT'], organs: ['lung'] }]);
    expect(gaps).not.toContain('others/HS');
    expect(gaps).not.toContain('lung/CT');
    expect(gaps).toContain('brain/CT');
    expect(uncoveredCells([{ modalities: ['US'], organs: ['breast'] }])).toContain('others/US');
  });
});

describe('orderSlices', () => {
  const slice = (id: number, pos?: number[], inst?: number) => ({ id, path: `s${id}.dcm`, meta: { kind: 'series-slice' as const, format: 'dicom', dicom: { ImagePositionPatient: pos, InstanceNumber: inst } } });
  it('orders by position along the axis that varies, not by file name or instance number', () => {
    const out = orderSlices([slice(1, [0, 0, 5], 1), slice(2, [0, 0, -2.5], 3), slice(3, [0, 0, 0], 2)]);
    expect(out.map((s) => s.id)).toEqual([2, 3, 1]);
    const sagittal = orderSlices([slice(1, [3, 1, 1]), slice(2, [1, 1, 1]), slice(3, [2, 1, 1])]);
    expect(sagittal.map((s) => s.id)).toEqual([2, 3, 1]);
  });
  it('falls back to InstanceNumber, then the path', () => {
    expect(orderSlices([slice(1, undefined, 9), slice(2, undefined, 4)]).map((s) => s.id)).toEqual([2, 1]);
    expect(orderSlices([slice(2), slice(1)]).map((s) => s.id)).toEqual([1, 2]);
  });
});
