import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('update-check configuration', () => {
  it('defaults: daily, public APIs, no Kaggle credentials, a User-Agent naming MedImg and the instance', () => {
    const u = loadConfig({}).updates;
    expect(u).toMatchObject({ intervalMs: 24 * 3_600_000, bases: {}, kaggle: null, hostSpacingMs: 1000, timeoutMs: 30_000 });
    expect(u.userAgent).toMatch(/^MedImg\/\d+\.\d+\.\d+ \(\+http:\/\/127\.0\.0\.1:3000\) update-check$/);
    expect(loadConfig({ MEDIMG_PUBLIC_URL: 'https://medimg.example.org' }).updates.userAgent).toMatch(/\(\+https:\/\/medimg\.example\.org\)/);
  });

  it('reads the interval, base URL overrides and credentials', () => {
    const u = loadConfig({
      MEDIMG_UPDATE_INTERVAL: '90m', MEDIMG_UPSTREAM_BASE_GRAND_CHALLENGE: 'http://127.0.0.1:9/', MEDIMG_UPSTREAM_BASE_ZENODO: 'http://127.0.0.1:9',
      KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k',
    }).updates;
    expect(u.intervalMs).toBe(90 * 60_000);
    expect(u.bases).toEqual({ 'grand-challenge': 'http://127.0.0.1:9', zenodo: 'http://127.0.0.1:9' });
    expect(u.kaggle).toEqual({ username: 'u', key: 'k' });
    expect(loadConfig({ MEDIMG_UPDATE_INTERVAL: '0' }).updates.intervalMs).toBe(0);
    expect(loadConfig({ MEDIMG_UPDATE_INTERVAL: '86400' }).updates.intervalMs).toBe(86_400_000);
  });

  it.each([
    [{ MEDIMG_UPDATE_INTERVAL: 'daily' }, /MEDIMG_UPDATE_INTERVAL must be a duration/],
    [{ MEDIMG_UPDATE_INTERVAL: '30s' }, /MEDIMG_UPDATE_INTERVAL must be 0 \(off\) or at least 1m/],
    [{ MEDIMG_UPSTREAM_BASE_KAGGLE: 'ftp://x' }, /MEDIMG_UPSTREAM_BASE_KAGGLE must be an http\(s\) URL/],
    [{ KAGGLE_USERNAME: 'u' }, /KAGGLE_USERNAME and KAGGLE_KEY must be set together/],
    [{ MEDIMG_UPSTREAM_SPACING_MS: '-1' }, /MEDIMG_UPSTREAM_SPACING_MS must be a number of milliseconds/],
  ])('%o stops start-up with the variable named', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
