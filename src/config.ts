import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './domain/errors.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Path of the SQLite file, or ':memory:'. */
  readonly sqliteFile: string;
  /** Built-in cards first, then the operator's own. */
  readonly catalogSources: readonly { dir: string; display: string }[];
  readonly logLevel: string;
  /** The built browser app. */
  readonly webDistDir: string;
  /** Make thumbnails while ingesting (MEDIMG_THUMBNAILS=0 turns it off). */
  readonly thumbnails: boolean;
  /** ffmpeg binary for video transcoding and compressed-audio peaks (MEDIMG_FFMPEG); else @ffmpeg-installer/ffmpeg if installed. */
  readonly ffmpeg: string | undefined;
  /** Build and serve the synthetic demo mirror (MEDIMG_DEMO; on by default for the process, see demo()). */
  readonly demo: boolean;
  /** Default server of `medimg download` (MEDIMG_SERVER). */
  readonly server: string;
  /**
   * The compiled small-file reader (scripts/build-native.mjs), used when it is there and loads;
   * null when MEDIMG_NATIVE_READER=0 (the reader then runs in JavaScript).
   */
  readonly nativeReader: string | null;
  /** Whether the compiled reader may read batches through io_uring where the kernel allows it (MEDIMG_IO_URING). */
  readonly ioUring: boolean;
  /**
   * Total size of the stored packs of archives' small files (MEDIMG_ARCHIVE_PACK_MB, default 1024;
   * 0: no packs, every small file is read at each download).
   */
  readonly archivePackBytes: number;
  /** Upstream update checks: interval (0 = no schedule), base URL overrides per adapter, optional Kaggle credentials, User-Agent. */
  readonly updates: UpdatesConfig;
}

export interface UpdatesConfig {
  readonly intervalMs: number;
  readonly bases: Readonly<Record<string, string>>;
  readonly kaggle: { readonly username: string; readonly key: string } | null;
  readonly userAgent: string;
  /** Minimum time between two requests to one upstream host (MEDIMG_UPSTREAM_SPACING_MS, default 1000). */
  readonly hostSpacingMs: number;
  /** Timeout of one upstream request (MEDIMG_UPSTREAM_TIMEOUT_MS, default 30000). */
  readonly timeoutMs: number;
}

const PACKAGE_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function port(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new ConfigError(`PORT must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

function sqliteFile(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return resolve(dataDir, 'medimg.db');
  if (databaseUrl === ':memory:') return databaseUrl;
  const m = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(databaseUrl);
  if (m?.[1]) return resolve(m[1]);
  if (/^postgres(ql)?:/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL: PostgreSQL is not supported by this version yet; unset DATABASE_URL to use the embedded SQLite file');
  }
  throw new ConfigError(`DATABASE_URL must look like sqlite:///path/to/medimg.db, got "${databaseUrl}"`);
}

function server(value: string | undefined): string {
  if (value === undefined || value === '') return 'http://127.0.0.1:3000';
  if (!/^https?:\/\/[^\s/]+/.test(value)) throw new ConfigError(`MEDIMG_SERVER must be an http(s) URL like http://127.0.0.1:3000, got "${value}"`);
  return value;
}

// `npm start` and the CLI (configured from process.env) get the demo unless MEDIMG_DEMO=0. A config built from
// an explicit set of variables, as tests and benchmarks do, gets it only with MEDIMG_DEMO=1: its generation and
// ingestion would otherwise run inside every test server, and its cards would change every count.
function demo(value: string | undefined, fromProcess: boolean): boolean {
  if (value === undefined || value === '') return fromProcess;
  if (value === '1') return true;
  if (value === '0') return false;
  throw new ConfigError(`MEDIMG_DEMO must be 0 or 1, got "${value}"`);
}

/** A size in whole megabytes (MiB), in bytes. */
function megabytes(name: string, value: string | undefined, dflt: number): number {
  if (value === undefined || value === '') return dflt * 1024 * 1024;
  if (!/^\d{1,9}$/.test(value)) throw new ConfigError(`${name} must be a whole number of megabytes (0 turns it off), got "${value}"`);
  return Number(value) * 1024 * 1024;
}

/** A switch that is on unless set to 0. */
function onUnlessZero(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new ConfigError(`${name} must be 0 or 1, got "${value}"`);
}

const UPSTREAM_KINDS = ['http', 'zenodo', 'physionet', 'github', 'huggingface', 'kaggle', 'grand-challenge'];
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function interval(value: string | undefined): number {
  if (value === undefined || value === '') return 24 * 3_600_000;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`MEDIMG_UPDATE_INTERVAL must be a duration such as 24h, 90m, 3600s or 0 (off), got "${value}"`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (ms !== 0 && ms < 60_000) throw new ConfigError(`MEDIMG_UPDATE_INTERVAL must be 0 (off) or at least 1m, got "${value}"`);
  return ms;
}

function updatesConfig(env: Record<string, string | undefined>, instanceUrl: string): UpdatesConfig {
  const bases: Record<string, string> = {};
  for (const kind of UPSTREAM_KINDS) {
    const name = `MEDIMG_UPSTREAM_BASE_${kind.toUpperCase().replace(/-/g, '_')}`;
    const value = env[name];
    if (!value) continue;
    if (!/^https?:\/\/[^\s]+$/.test(value)) throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
    bases[kind] = value.replace(/\/+$/, '');
  }
  const user = env.KAGGLE_USERNAME ?? '';
  const key = env.KAGGLE_KEY ?? '';
  if (!!user !== !!key) throw new ConfigError('KAGGLE_USERNAME and KAGGLE_KEY must be set together');
  return Object.freeze({
    intervalMs: interval(env.MEDIMG_UPDATE_INTERVAL),
    bases: Object.freeze(bases),
    kaggle: user ? Object.freeze({ username: user, key }) : null,
    userAgent: `MedImg/${packageVersion()} (+${env.MEDIMG_PUBLIC_URL || instanceUrl}) update-check`,
    hostSpacingMs: millis(env, 'MEDIMG_UPSTREAM_SPACING_MS', 1000),
    timeoutMs: millis(env, 'MEDIMG_UPSTREAM_TIMEOUT_MS', 30_000),
  });
}

function millis(env: Record<string, string | undefined>, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v) || Number(v) > 3_600_000) throw new ConfigError(`${name} must be a number of milliseconds from 0 to 3600000, got "${v}"`);
  return Number(v);
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0';
  } catch {
    return '0';
  }
}

/** The only reader of process.env: parsed once, validated, frozen. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const dataDir = resolve(env.MEDIMG_DATA_DIR || './data');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const host = env.HOST || '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError(`HOST must be a host name or address, got "${host}"`);
  const builtIn = env.MEDIMG_CATALOG_DIR ? resolve(env.MEDIMG_CATALOG_DIR) : resolve(PACKAGE_ROOT, 'catalog/datasets');
  const own = resolve(dataDir, 'catalog');
  const withDemo = demo(env.MEDIMG_DEMO, env === process.env);
  return Object.freeze({
    port: port(env.PORT),
    host,
    dataDir,
    sqliteFile: sqliteFile(env.DATABASE_URL, dataDir),
    catalogSources: Object.freeze([
      { dir: builtIn, display: isAbsolute(env.MEDIMG_CATALOG_DIR ?? '') ? builtIn : 'catalog/datasets' },
      ...(withDemo ? [{ dir: resolve(PACKAGE_ROOT, 'catalog/demo'), display: 'catalog/demo' }] : []),
      { dir: own, display: own },
    ]),
    logLevel,
    webDistDir: resolve(PACKAGE_ROOT, 'web/dist'),
    thumbnails: onUnlessZero('MEDIMG_THUMBNAILS', env.MEDIMG_THUMBNAILS),
    ffmpeg: env.MEDIMG_FFMPEG ? resolve(env.MEDIMG_FFMPEG) : undefined,
    demo: withDemo,
    server: server(env.MEDIMG_SERVER),
    nativeReader: onUnlessZero('MEDIMG_NATIVE_READER', env.MEDIMG_NATIVE_READER) ? resolve(PACKAGE_ROOT, 'build/small-files.node') : null,
    ioUring: onUnlessZero('MEDIMG_IO_URING', env.MEDIMG_IO_URING),
    archivePackBytes: megabytes('MEDIMG_ARCHIVE_PACK_MB', env.MEDIMG_ARCHIVE_PACK_MB, 1024),
    updates: updatesConfig(env, `http://${host}:${port(env.PORT)}`),
  });
}
