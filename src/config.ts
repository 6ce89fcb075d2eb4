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

function thumbnails(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new ConfigError(`MEDIMG_THUMBNAILS must be 0 or 1, got "${value}"`);
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
  return Object.freeze({
    port: port(env.PORT),
    host,
    dataDir,
    sqliteFile: sqliteFile(env.DATABASE_URL, dataDir),
    catalogSources: Object.freeze([
      { dir: builtIn, display: isAbsolute(env.MEDIMG_CATALOG_DIR ?? '') ? builtIn : 'catalog/datasets' },
      { dir: own, display: own },
    ]),
    logLevel,
    webDistDir: resolve(PACKAGE_ROOT, 'web/dist'),
    thumbnails: thumbnails(env.MEDIMG_THUMBNAILS),
  });
}
