import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { startServer } from '../main.js';
import { FIXTURE_CATALOG } from '../../test/helpers.js';

// One test over a real socket: what `npm start` runs, on an ephemeral port.
let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'medimg-server-'));
  server = await startServer(loadConfig({ PORT: '0', MEDIMG_DATA_DIR: dataDir, MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent', MEDIMG_UPDATE_INTERVAL: '0' }));
});
afterAll(async () => {
  await server.app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('server over HTTP', () => {
  it('serves the API on a real socket from a SQLite file in MEDIMG_DATA_DIR', async () => {
    expect(server.sync.inserted).toBe(6);
    const res = await fetch(`${server.address}/api/v1/datasets?modality=ECG`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await res.json();
    expect(body.items.map((i: { slug: string }) => i.slug)).toEqual(['delta-heart-ecg']);
    const bad = await fetch(`${server.address}/api/v1/datasets?per_page=10000`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_parameter');
  });

  it('serves the web app and its assets from the same server', async () => {
    const res = await fetch(`${server.address}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="app"></div>');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${server.address}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await js.text()).length).toBeGreaterThan(1000);
  });
});
