import { describe, expect, it } from 'vitest';
import { labelColour, viewerFor } from './viewer.js';

describe('viewerFor', () => {
  it.each([
    [{ kind: 'volume', format: 'nifti' }, 'volume'],
    [{ kind: 'series-slice', format: 'dicom' }, 'volume'],
    [{ kind: 'volume', format: 'dicom' }, 'volume'],
    [{ kind: 'image', format: 'dicom' }, 'image'],
    [{ kind: 'image', format: 'png' }, 'image'],
    [{ kind: 'image', format: 'netpbm' }, 'image'],
    [{ kind: 'signal', format: 'wfdb' }, 'signal'],
    [{ kind: 'signal', format: 'bdf' }, 'none'],
    [{ kind: 'audio', format: 'wav' }, 'audio'],
    [{ kind: 'audio', format: 'webm' }, 'audio'],
    [{ kind: 'video', format: 'avi' }, 'video'],
    [{ kind: 'video', format: 'mov' }, 'video'],
    [{ kind: 'other', format: 'hdf5' }, 'none'],
    [{ kind: 'volume', format: 'hdf5' }, 'volume'],
    [{ kind: 'volume', format: 'mat' }, 'volume'],
    [{ kind: 'table', format: 'csv' }, 'none'],
  ])('%o -> %s', (f, viewer) => {
    expect(viewerFor({ ...f, meta: null })).toBe(viewer);
  });

  it('opens a multi-page TIFF as a volume and a single page as an image', () => {
    expect(viewerFor({ kind: 'image', format: 'tiff', meta: { frames: 3 } })).toBe('volume');
    expect(viewerFor({ kind: 'image', format: 'tiff', meta: {} })).toBe('image');
  });

  it('gives no viewer to a file that could not be read', () => {
    expect(viewerFor({ kind: 'image', format: 'png', meta: null, error: 'truncated' })).toBe('none');
  });
});

describe('labelColour', () => {
  it('gives distinct colours to the first labels and cycles after', () => {
    const first = Array.from({ length: 12 }, (_, i) => labelColour(i + 1).join());
    expect(new Set(first).size).toBe(12);
    expect(labelColour(13)).toEqual(labelColour(1));
  });
});
