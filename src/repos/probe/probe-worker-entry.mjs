// Worker threads do not inherit tsx's loader: register it, then load the TypeScript worker.
// This file serves runs from the sources (vitest, MEDIMG_TSX=1). bin/medimg.js runs dist/, where
// scripts/build-server.mjs compiles probe.worker.ts into a dist/probe-worker-entry.mjs of its own: the pool's
// new URL('./probe-worker-entry.mjs', import.meta.url) finds that one next to the bundle.
import { register } from 'tsx/esm/api';

register();
await import('./probe.worker.ts');
