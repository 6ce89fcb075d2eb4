#!/usr/bin/env node
// Compiles the server's TypeScript (src/ and contract/) ahead of time with esbuild into dist/,
// so that `bin/medimg.js` and its worker threads run plain JavaScript: no loader hooks, no
// transpiling at start-up (tsx cost ~45 MB of RSS and ~0.8 s per process).
//
// bin/medimg.js calls ensureServerBuild() on every start; it costs a walk of src/ and contract/
// (a few ms) and compiles (~0.3 s) only when the build does not match the sources:
// - Staleness: every output file's first line is `// medimg-build <fingerprint>`, a hash of the
//   path, size and mtime of every file under src/ and contract/ (tests left out) and of the few
//   other files that shape the output (EXTRA_INPUTS). Any edit, new file, deleted file or
//   `touch` changes it. The fingerprint is taken before compiling, so a file saved during a build
//   makes the next start compile again. A file bundled from elsewhere fails the build loudly.
// - Atomicity: each output is written to a temporary file and renamed over the old one (the
//   worker files and source maps first, cli.mjs last), so a process never reads a half-written
//   file; a mix of two builds (two builders racing, or a start in the middle of an install)
//   carries two fingerprints and is simply compiled again. Old outputs are replaced, never
//   deleted, so a server started from an earlier build still finds its worker files.
// - Concurrency: dist/.build.lock (created with O_EXCL) lets one process compile while the others
//   wait for it and use its result; a lock whose process is gone or older than LOCK_STALE_MS is
//   broken. Correctness never depends on the lock (it only saves duplicate work).
//
// The bundle sits in dist/ directly, one level under the package root like src/config.ts, so that
// `new URL('..', import.meta.url)` (the package root) and the pools'
// `new URL('./probe-worker-entry.mjs', import.meta.url)` (here: dist/probe-worker-entry.mjs, the
// compiled worker) resolve the same as from the sources. node_modules stay external.
//
// `node scripts/build-server.mjs` compiles if needed (`--force`: always).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Output name in dist/ (+ .mjs) -> entry source. The worker names are the ones the pools resolve next to the bundle. */
export const ENTRIES = {
  'probe-worker-entry': 'src/repos/probe/probe.worker.ts',
  'render-worker-entry': 'src/repos/render/render.worker.ts',
  'small-files-worker': 'src/repos/small-files/small-files-worker.mjs',
  cli: 'src/cli/index.ts',
};
/** Folders whose every file (but *.test.ts) counts for staleness; every bundled file must be in one. */
export const SOURCE_DIRS = ['src', 'contract'];
/** Other files that change the output. */
export const EXTRA_INPUTS = ['package.json', 'tsconfig.json', 'scripts/build-server.mjs', 'node_modules/esbuild/package.json'];

const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 30_000;
const HEADER = '// medimg-build ';

const distDir = (root) => join(root, 'dist');
const outputs = (root) => Object.keys(ENTRIES).map((name) => join(distDir(root), `${name}.mjs`));

/** Hash of the path, size and mtime of every input file: changes with any edit, addition, removal or touch. */
export function fingerprint(root = ROOT) {
  const lines = [];
  const stat = (rel) => {
    try {
      const st = statSync(join(root, rel));
      lines.push(`${rel}\t${st.size}\t${st.mtimeMs}`);
    } catch {
      lines.push(`${rel}\t-`);
    }
  };
  const walk = (rel) => {
    let dirents;
    try {
      dirents = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of dirents) {
      const child = `${rel}/${d.name}`;
      if (d.isDirectory()) walk(child);
      else if (!d.name.endsWith('.test.ts')) stat(child);
    }
  };
  SOURCE_DIRS.forEach(walk);
  EXTRA_INPUTS.forEach(stat);
  return createHash('sha1').update(lines.sort().join('\n')).digest('hex');
}

/** The fingerprint written at the top of a built file, or null. */
function headerOf(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(HEADER.length + 40);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.toString('utf8', 0, n);
    return head.startsWith(HEADER) ? head.slice(HEADER.length) : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** True when every output in dist/ was built from sources with this fingerprint. */
export function isBuilt(root = ROOT, hash = fingerprint(root)) {
  return outputs(root).every((file) => headerOf(file) === hash);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function lockIsStale(lock) {
  try {
    const st = statSync(lock);
    if (Date.now() - st.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(readFileSync(lock, 'utf8').split(' ')[0]);
    if (!pid) return false; // being written
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

/** Compiles into dist/, renaming each output into place; fails if a bundled file lies outside SOURCE_DIRS. */
async function compile(root, hash) {
  const { build } = await import('esbuild');
  const dist = distDir(root);
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(root, src)])),
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.12',
    packages: 'external',
    // errors.ts names errors after new.target.name: keep class names even where bundling renames one.
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    banner: { js: `${HEADER}${hash}` },
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const outside = inputs.filter((p) => !SOURCE_DIRS.some((dir) => p.startsWith(`${dir}/`)));
  if (outside.length > 0) {
    throw new Error(`the server bundles ${outside.join(', ')}, outside ${SOURCE_DIRS.join(', ')}: add its folder to SOURCE_DIRS in scripts/build-server.mjs`);
  }
  mkdirSync(dist, { recursive: true });
  // Leftovers of a build that was killed while writing.
  for (const name of readdirSync(dist)) {
    const file = join(dist, name);
    if (name.endsWith('.tmp') && Date.now() - statSync(file, { throwIfNoEntry: false })?.mtimeMs > 600_000) rmSync(file, { force: true });
  }
  // Source maps, then the workers, then cli.mjs: a process that finds the new cli.mjs finds the new workers too.
  const rank = (path) => (path.endsWith('.map') ? 0 : path.endsWith(`${sep}cli.mjs`) ? 2 : 1);
  const token = `${process.pid}.${randomBytes(4).toString('hex')}`;
  for (const out of [...result.outputFiles].sort((a, b) => rank(a.path) - rank(b.path))) {
    const tmp = `${out.path}.${token}.tmp`;
    writeFileSync(tmp, out.contents);
    renameSync(tmp, out.path);
  }
}

/**
 * Makes dist/ match the sources (compiling if needed, or waiting for a concurrent build) and
 * returns the URL of dist/cli.mjs. Throws when the build fails.
 */
export async function ensureServerBuild({ root = ROOT, force = false } = {}) {
  const cli = pathToFileURL(join(distDir(root), 'cli.mjs'));
  if (!force && isBuilt(root)) return cli;
  mkdirSync(distDir(root), { recursive: true });
  const lock = join(distDir(root), '.build.lock');
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lock, mine, { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lock) || Date.now() > deadline) {
      rmSync(lock, { force: true });
      continue;
    }
    await sleep(50);
    if (!force && isBuilt(root)) return cli;
  }
  try {
    const hash = fingerprint(root);
    if (!force && isBuilt(root, hash)) return cli;
    await compile(root, hash);
    return cli;
  } finally {
    try {
      if (readFileSync(lock, 'utf8') === mine) rmSync(lock, { force: true });
    } catch {
      // Broken by another process as stale: not ours to remove any more.
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const force = process.argv.includes('--force');
  const fresh = !force && isBuilt();
  await ensureServerBuild({ force });
  const where = relative(process.cwd(), distDir(ROOT)) || '.';
  console.log(fresh ? `${where}/ is up to date` : `built ${where}/ in ${Math.round(performance.now() - started)} ms`);
}
