// sharp (libvips) adds about 28 MB to a process's resident memory the moment it is imported. The API
// process itself rarely needs it (thumbnails, slices and codecs run in worker threads), so every use goes
// through this loader and the library is loaded on first use only, once per thread.
import type SharpFn from 'sharp';

let loading: Promise<typeof SharpFn> | undefined;

export function loadSharp(): Promise<typeof SharpFn> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
