import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that need no configuration', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(resolve('data'));
    expect(c.sqliteFile).toBe(resolve('data/medimg.db'));
    expect(c.catalogSources.map((s) => s.display)).toEqual(['catalog/datasets', resolve('data/catalog')]);
    expect(c.demo).toBe(false);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('builds the demo mirror for the process unless MEDIMG_DEMO=0, and for an explicit set of variables only with MEDIMG_DEMO=1', () => {
    expect(loadConfig().demo).toBe(process.env.MEDIMG_DEMO !== '0');
    const on = loadConfig({ MEDIMG_DEMO: '1' });
    expect(on.demo).toBe(true);
    expect(on.catalogSources.map((s) => s.display)).toEqual(['catalog/datasets', 'catalog/demo', resolve('data/catalog')]);
    expect(loadConfig({ MEDIMG_DEMO: '0' }).demo).toBe(false);
  });

  it('uses the compiled small-file reader of the package unless MEDIMG_NATIVE_READER=0', () => {
    expect(loadConfig({}).nativeReader).toBe(resolve(import.meta.dirname, '../build/small-files.node'));
    expect(loadConfig({ MEDIMG_NATIVE_READER: '1' }).nativeReader).toBe(loadConfig({}).nativeReader);
    expect(loadConfig({ MEDIMG_NATIVE_READER: '0' }).nativeReader).toBeNull();
    expect([loadConfig({}).ioUring, loadConfig({ MEDIMG_IO_URING: '1' }).ioUring, loadConfig({ MEDIMG_IO_URING: '0' }).ioUring]).toEqual([true, true, false]);
  });

  it('keeps up to MEDIMG_ARCHIVE_PACK_MB megabytes of archive packs (1024 by default, 0: none), and refuses anything but a whole number', () => {
    expect([loadConfig({}).archivePackBytes, loadConfig({ MEDIMG_ARCHIVE_PACK_MB: '0' }).archivePackBytes, loadConfig({ MEDIMG_ARCHIVE_PACK_MB: '20' }).archivePackBytes])
      .toEqual([1024 * 1024 * 1024, 0, 20 * 1024 * 1024]);
    for (const bad of ['-1', '1.5', '1G', ' 1', '1e3', '9999999999']) {
      expect(() => loadConfig({ MEDIMG_ARCHIVE_PACK_MB: bad })).toThrow(/MEDIMG_ARCHIVE_PACK_MB must be a whole number of megabytes/);
    }
  });

  it('reads PORT, HOST, MEDIMG_DATA_DIR and DATABASE_URL', () => {
    const c = loadConfig({ PORT: '8080', HOST: '0.0.0.0', MEDIMG_DATA_DIR: '/srv/medimg', DATABASE_URL: 'sqlite:///var/lib/m.db' });
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/srv/medimg', sqliteFile: '/var/lib/m.db' });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ PORT: '-1' }, /PORT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must look like/],
    [{ DATABASE_URL: 'postgres://localhost/test' }, /DATABASE_URL: PostgreSQL is not supported/],
    [{ HOST: 'a b' }, /HOST/],
    [{ MEDIMG_THUMBNAILS: 'yes' }, /MEDIMG_THUMBNAILS must be 0 or 1/],
    [{ MEDIMG_DEMO: 'on' }, /MEDIMG_DEMO must be 0 or 1/],
    [{ MEDIMG_NATIVE_READER: 'no' }, /MEDIMG_NATIVE_READER must be 0 or 1/],
    [{ MEDIMG_IO_URING: 'yes' }, /MEDIMG_IO_URING must be 0 or 1/],
  ])('rejects %o with the variable named', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
