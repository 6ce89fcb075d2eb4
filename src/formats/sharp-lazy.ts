// sharp (libvips) adds about 28 MB to a process's resident memory the moment it is imported. The API
// process itself rarely needs it (thumbnails, slices and codecs run in worker threads), so every use goes
// through this loader and the library is loaded on first use only, once per thread.
import type SharpFn from 'sharp';

let loading: Promise<typeof SharpFn> | undefined;

export function loadSharp(): Promise<typeof SharpFn> {
  loading ??= import('sharp').then((m) => {
    // libvips keeps up to 50 MB of recent operations' results per process by default: useless here
    // (each file is decoded once, previews are cached on disk) and held for ever after an ingest.
    m.default.cache(false);
    return m.default;
  });
  return loading;
}
