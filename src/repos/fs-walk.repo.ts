import type { Stats } from 'node:fs';
import { lstat, opendir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export type WalkEntry =
  | { path: string; size: number; mtimeMs: number; error?: undefined }
  | { path: string; size: number; mtimeMs: number; error: string };

const inside = (root: string, p: string) => p === root || p.startsWith(root + sep);

/**
 * Every regular file under `root`, as POSIX paths relative to it, in sorted order.
 * Never leaves the root: a symlink that resolves outside it is reported, not
 * followed; symlinked folders are reported and not followed, so loops cannot occur.
 * Unreadable entries are reported with their reason.
 */
export async function* walkDataset(root: string): AsyncGenerator<WalkEntry> {
  const realRoot = await realpath(root);
  async function* walk(dir: string): AsyncGenerator<WalkEntry> {
    let names: string[];
    try {
      const handle = await opendir(dir);
      names = [];
      for await (const d of handle) names.push(d.name);
    } catch (err) {
      yield { path: relPath(dir), size: 0, mtimeMs: 0, error: `folder unreadable: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
      return;
    }
    names.sort();
    // lstat a folder's entries concurrently (in order of names), a chunk at a time.
    const stats: (Stats | NodeJS.ErrnoException)[] = [];
    for (let i = 0; i < names.length; i += 64) {
      stats.push(...await Promise.all(names.slice(i, i + 64).map((n) => lstat(join(dir, n)).catch((e: NodeJS.ErrnoException) => e))));
    }
    for (const [i, name] of names.entries()) {
      const abs = join(dir, name);
      const rel = relPath(abs);
      const st = stats[i]!;
      if (st instanceof Error) {
        yield { path: rel, size: 0, mtimeMs: 0, error: `unreadable: ${st.code ?? 'error'}` };
        continue;
      }
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(abs);
        } catch (err) {
          yield { path: rel, size: 0, mtimeMs: 0, error: `broken symlink (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
          continue;
        }
        if (!inside(realRoot, target)) {
          yield { path: rel, size: 0, mtimeMs: 0, error: 'symlink points outside the dataset root' };
          continue;
        }
        const tst = await stat(abs);
        if (tst.isDirectory()) {
          yield { path: rel, size: 0, mtimeMs: 0, error: 'symlinked folder not followed' };
          continue;
        }
        if (tst.isFile()) yield { path: rel, size: tst.size, mtimeMs: Math.trunc(tst.mtimeMs) };
        continue;
      }
      if (st.isDirectory()) yield* walk(abs);
      else if (st.isFile()) yield { path: rel, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
    }
  }
  const relPath = (abs: string) => relative(root, abs).split(sep).join('/');
  yield* walk(root);
}

/** Absolute path of an indexed file, refusing anything that would leave the root. */
export async function resolveInside(root: string, relPath: string): Promise<string> {
  const realRoot = await realpath(root);
  const abs = await realpath(join(realRoot, ...relPath.split('/')));
  if (!inside(realRoot, abs)) throw new Error('path resolves outside the dataset root');
  return abs;
}

/** The folder's real path, or null when it is missing or not a folder. */
export async function realFolder(path: string): Promise<string | null> {
  try {
    const real = await realpath(path);
    return (await stat(real)).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

/** A text file read whole, refusing one larger than `maxBytes`. */
export async function readTextBounded(path: string, maxBytes: number): Promise<string> {
  const st = await stat(path);
  if (st.size > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
  return readFile(path, 'utf8');
}
