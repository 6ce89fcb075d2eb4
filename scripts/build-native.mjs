#!/usr/bin/env node
// Compiles native/*.c, the small-file reader's batch read (open, fstat, read, close without
// JavaScript objects in between, through io_uring where the kernel allows it), into
// build/small-files.node with the system's C compiler against Node's own headers (Node-API: one
// build serves every Node version).
//
// It is optional: without a C compiler or Node's headers nothing is built and the reader does the
// same checks in JavaScript (~1.5x its CPU per small file). bin/medimg.js calls
// ensureNativeBuild() on every start; it costs a hash of the source files and compiles (~0.1 s)
// only when build/small-files.stamp does not match them. Output goes to a temporary file renamed
// over the old one, so a process never loads a half-written library.
//
// `node scripts/build-native.mjs` builds if needed (`--force`: always) and says what it did.
// CC overrides the compiler (default: cc).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCES = 'native';
const OUTPUT = 'build/small-files.node';
const STAMP = 'build/small-files.stamp';

/** Where Node's own headers are (node_api.h), next to the running node, or null. */
function nodeHeaders() {
  for (const dir of [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node']) {
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  }
  return null;
}

/**
 * The compiled reader's path, compiled now if missing or older than its source; null when it
 * cannot be built here (`reason` says why).
 * @returns {{ path: string | null, built: boolean, reason?: string }}
 */
export function ensureNativeBuild({ root = ROOT, force = false } = {}) {
  const out = join(root, OUTPUT);
  const headers = nodeHeaders();
  if (!headers) return { path: null, built: false, reason: `Node's headers (node_api.h) are not installed next to ${process.execPath}` };
  const cc = process.env.CC || 'cc';
  // Every .c and .h file of native/, in name order (a header edit rebuilds too).
  const files = readdirSync(join(root, SOURCES)).filter((f) => /\.[ch]$/.test(f)).sort();
  const args = ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', `-I${headers}`, ...files.filter((f) => f.endsWith('.c')).map((f) => join(root, SOURCES, f)), '-lm'];
  const hash = createHash('sha256').update(JSON.stringify([cc, args.slice(0, 6), files]));
  for (const f of files) hash.update(readFileSync(join(root, SOURCES, f)));
  const stamp = hash.digest('hex');
  const stampFile = join(root, STAMP);
  if (!force && existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { path: out, built: false };
  const tmp = `${out}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(out), { recursive: true });
    execFileSync(cc, [...args, '-o', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, out);
    writeFileSync(stampFile, stamp);
    return { path: out, built: true };
  } catch (err) {
    rmSync(tmp, { force: true });
    const detail = err && typeof err === 'object' && 'stderr' in err && err.stderr ? String(err.stderr).trim().split('\n')[0] : String(err?.message ?? err);
    return { path: null, built: false, reason: `${cc} could not compile ${SOURCES}/*.c: ${detail}` };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = ensureNativeBuild({ force: process.argv.includes('--force') });
  if (r.path) console.log(r.built ? `built ${OUTPUT}` : `${OUTPUT} is up to date`);
  // Not an error: the small-file reader then runs in JavaScript.
  else console.log(`not built (${r.reason}): the small-file reader will run in JavaScript`);
}
