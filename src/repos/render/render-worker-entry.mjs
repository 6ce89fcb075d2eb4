// Worker threads do not inherit tsx's loader: register it, then load the TypeScript worker.
// This file serves runs from the sources (vitest, MEDIMG_TSX=1). bin/medimg.js runs dist/, where
// scripts/build-server.mjs compiles render.worker.ts into a dist/render-worker-entry.mjs of its own: the pool's
// new URL('./render-worker-entry.mjs', import.meta.url) finds that one next to the bundle.
import { register } from 'tsx/esm/api';

register();
await import('./render.worker.ts');
