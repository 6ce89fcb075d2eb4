#!/usr/bin/env node
// Runs the CLI and server from dist/: JavaScript compiled ahead of time from src/ by esbuild
// (scripts/build-server.mjs), which saves tsx's loader thread and on-the-fly transpiling
// (~50 MB of RSS and ~1 s per process). Each start checks the build against the sources (a few
// ms) and compiles again when any of them changed (~0.3 s), so a fresh clone needs no build
// step and a stale build never runs. MEDIMG_TSX=1, or a failed build, runs the TypeScript
// sources through tsx instead, as before.
import { setFlagsFromString } from 'node:v8';
import { ensureNativeBuild } from '../scripts/build-native.mjs';
import { ensureServerBuild } from '../scripts/build-server.mjs';

// The old generation may grow to 1.25x what survived the last full collection (V8 picks 1.1-4x by
// itself). Each archive download leaves a few MB of short-lived per-page objects that outlive two
// young collections; with V8's own factor they piled up for several downloads before a full
// collection (server RSS 127 -> 176 MB over 8 archives of 10,480 files), with this it stays at
// 124-128 MB for the same CPU. V8 reads the flag at every collection, so setting it here works.
setFlagsFromString('--heap-growing-percent=25');

let cli = null;
if (process.env.MEDIMG_TSX !== '1') {
  try {
    cli = await ensureServerBuild();
  } catch (err) {
    const reason = String(err instanceof Error ? err.message : err).split('\n')[0];
    console.error(`medimg: could not compile the server into dist/ (${reason}); running the TypeScript sources through tsx`);
  }
}
// The compiled small-file reader, if a C compiler is here (else the server reads them in JavaScript
// and says so in its log).
ensureNativeBuild();
let runCli;
if (cli) {
  // Stack traces name src/*.ts lines (dist/*.mjs.map, without the sources' text: ~1 MB of heap).
  process.setSourceMapsEnabled(true);
  ({ runCli } = await import(cli.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('../src/cli/index.ts'));
}
const code = await runCli(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
