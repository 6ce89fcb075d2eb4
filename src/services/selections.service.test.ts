import { describe, expect, it } from 'vitest';
import { normalizeSelection, selectionId } from './selections.service.js';

describe('selection ids', () => {
  it('are the same for the same selection however it is spelled, and differ otherwise', () => {
    const a = normalizeSelection({ datasets: ['b', 'a', 'b'], filter: { organ: ['lung', 'brain'], modality: ['CT'], task: [] } });
    const b = normalizeSelection({ filter: { modality: ['CT'], organ: ['brain', 'lung', 'lung'] }, datasets: ['a', 'b'] });
    expect(a).toEqual({ datasets: ['a', 'b'], filter: { modality: ['CT'], organ: ['brain', 'lung'] } });
    expect(selectionId(a)).toBe(selectionId(b));
    expect(selectionId(a)).toMatch(/^[0-9a-f]{24}$/);
    expect(selectionId(normalizeSelection({ datasets: ['a'] }))).not.toBe(selectionId(a));
    expect(selectionId(normalizeSelection({ filter: { labelled: true } }))).not.toBe(selectionId(normalizeSelection({ filter: { labelled: false } })));
  });
});
