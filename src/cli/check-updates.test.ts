import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCatalogUpstream, upstreamEnv } from '../../test/fixtures/upstream/instance.js';
import { type FakeUpstream, startFakeUpstream } from '../../test/fixtures/upstream/server.js';
import { tempDir } from '../../test/helpers.js';
import { loadConfig } from '../config.js';
import { buildApp } from '../http/app.js';
import { openInstance } from '../main.js';

const BIN = resolve(import.meta.dirname, '../../bin/medimg.js');
let up: FakeUpstream;
let tmp: ReturnType<typeof tempDir>;
const upstream = { zenodoVersion: 'v1', pageEtag: '"a"', deadStatus: 404 };

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'check-updates', ...args], { env: { ...process.env, ...upstreamEnv(up, tmp.dir) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((r) => child.on('close', (code) => r({ code, out, err })));
}
const statusOf = (out: string, slug: string) => out.split('\n').find((l) => l.split(/\s+/)[1] === slug)?.split(/\s+/)[0];

beforeAll(async () => {
  up = await startFakeUpstream();
  serveCatalogUpstream(up, upstream);
  tmp = tempDir();
});
afterAll(async () => { await up.close(); tmp.cleanup(); });

describe('medimg check-updates', () => {
  it('records unchanged, changed and unreachable; the change reaches the API and both feeds', async () => {
    const first = await cli([]);
    expect(first.code).toBe(0);
    expect(statusOf(first.out, 'up-zenodo')).toBe('unchanged');
    expect(statusOf(first.out, 'up-page')).toBe('unchanged');
    expect(statusOf(first.out, 'up-dead')).toBe('unreachable');
    expect(first.out).toMatch(/4 checked in [\d.]+ s: 0 changed, 3 unchanged, 1 unreachable, 0 error/);
    expect(up.requests.some((r) => r.userAgent.startsWith('MedImg/0.1.0 (+http://127.0.0.1:3000) update-check'))).toBe(true);

    upstream.zenodoVersion = 'v2';
    const second = await cli([]);
    expect(second.code).toBe(0);
    expect(statusOf(second.out, 'up-zenodo')).toBe('changed');
    expect(statusOf(second.out, 'up-github')).toBe('unchanged');
    expect(statusOf(second.out, 'up-dead')).toBe('unreachable');
    expect(second.out).toMatch(/1 changed, 2 unchanged, 1 unreachable, 0 error/);

    const one = await cli(['up-dead']);
    expect(one.out).toMatch(/unreachable +up-dead .*HTTP 404.*\[flagged: unreachable 3\+ times in a row\]/);
    expect(one.out).toMatch(/1 checked in [\d.]+ s: .*; 1 flagged unreachable/);

    const instance = await openInstance(loadConfig(upstreamEnv(up, tmp.dir)));
    const app = await buildApp(instance.services, {});
    try {
      const events = (await app.inject('/api/v1/updates')).json();
      expect(events.items.map((e: { slug: string; kind: string }) => `${e.slug}:${e.kind}`)).toEqual(['up-dead:unreachable', 'up-zenodo:changed']);
      expect((await app.inject('/feed.xml')).body).toMatch(/<title type="text">Upstream Zenodo Fixture: upstream changed<\/title>/);
      expect((await app.inject('/datasets/up-zenodo/feed.xml')).body).toMatch(/new version v2 \(was v1\)/);
    } finally {
      await app.close();
      await instance.close();
    }
  });

  it('bad arguments are a message and exit 1', async () => {
    const bad = await cli(['Not-A-Slug!']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/is not a dataset slug/);
    const unknown = await cli(['no-such-dataset']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/No dataset with slug "no-such-dataset"/);
    const many = await cli(['a', 'b']);
    expect(many.code).toBe(1);
    expect(many.err).toMatch(/usage: medimg check-updates \[slug\]/);
  });
});
