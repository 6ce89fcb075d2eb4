#!/usr/bin/env node
// Runs the CLI and server from dist/: JavaScript compiled ahead of time from src/ by esbuild
// (scripts/build-server.mjs), which saves tsx's loader thread and on-the-fly transpiling
// (~50 MB of RSS and ~1 s per process). Each start checks the build against the sources (a few
// ms) and compiles again when any of them changed (~0.3 s), so a fresh clone needs no build
// step and a stale build never runs. MEDIMG_TSX=1, or a failed build, runs the TypeScript
// sources through tsx instead, as before.
import { ensureServerBuild } from '../scripts/build-server.mjs';

let cli = null;
if (process.env.MEDIMG_TSX !== '1') {
  try {
    cli = await ensureServerBuild();
  } catch (err) {
    const reason = String(err instanceof Error ? err.message : err).split('\n')[0];
    console.error(`medimg: could not compile the server into dist/ (${reason}); running the TypeScript sources through tsx`);
  }
}
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
