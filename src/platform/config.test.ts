import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('has defaults that serve the embedded database on port 8080', () => {
    const config = loadConfig({}, false);
    expect(config).toMatchObject({
      env: 'development',
      port: 8080,
      databaseUrl: undefined,
      dataDir: path.resolve('data'),
      bodyLimitBytes: 1024 * 1024,
      jobs: true,
      logFormat: 'json',
      logLevel: 'info',
      statementTimeoutMs: 30_000,
    });
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({ CROFT_STATEMENT_TIMEOUT_MS: '0' }, false).statementTimeoutMs).toBe(0);
  });

  it('reads sizes, switches and URLs', () => {
    const config = loadConfig(
      {
        CROFT_BODY_LIMIT: '4mb',
        CROFT_JOBS: 'off',
        DATABASE_URL: 'postgres://croft@db:5432/croft',
        CROFT_DATA_DIR: '/var/lib/croft',
      },
      false,
    );
    expect(config).toMatchObject({
      bodyLimitBytes: 4 * 1024 * 1024,
      jobs: false,
      databaseUrl: 'postgres://croft@db:5432/croft',
      dataDir: '/var/lib/croft',
    });
  });

  it.each([
    ['CROFT_PORT', 'eighty', 'must be a whole number'],
    ['CROFT_PORT', '70000', 'must be between 0 and 65535'],
    ['CROFT_ENV', 'staging', 'must be one of development, production, test'],
    ['CROFT_JOBS', 'maybe', 'must be on or off'],
    ['CROFT_BODY_LIMIT', 'huge', 'must be a size'],
    ['DATABASE_URL', 'mysql://x@y/z', 'must start with postgres://'],
    ['DATABASE_URL', 'not a url', 'is not a URL'],
    ['CROFT_JOB_POLL_MS', '10', 'must be between 500'],
    ['CROFT_TRUST_PROXY', 'proxy.example', 'must be on, off, a hop count, or proxy addresses'],
    ['CROFT_TRUST_PROXY', '10.0.0.0/33', 'must be on, off, a hop count, or proxy addresses'],
    ['CROFT_TRUST_PROXY', '500', 'must be between 1 and 100'],
  ])('stops on a bad %s and names it', (variable, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value }, false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(`${variable}: ${message}`);
  });

  it('trusts no proxy by default, or the ones named: all, a hop count, addresses and CIDRs', () => {
    const trust = (value?: string) => loadConfig(value === undefined ? {} : { CROFT_TRUST_PROXY: value }, false);
    expect(trust().trustProxy).toBe(false);
    expect(trust('off').trustProxy).toBe(false);
    expect(trust('0').trustProxy).toBe(false);
    expect(trust('on').trustProxy).toBe(true);
    expect(trust('2').trustProxy).toBe(2);
    expect(trust('10.0.0.1, 192.168.0.0/16,fd00::/8,loopback').trustProxy).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('takes a map tile URL template only with {z}, {x} and {y}, and no tiles by default (a farm may be offline)', () => {
    expect(loadConfig({}, false).mapTilesUrl).toBeUndefined();
    expect(
      loadConfig(
        { CROFT_MAP_TILES: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', CROFT_MAP_ATTRIBUTION: '© OpenStreetMap' },
        false,
      ),
    ).toMatchObject({
      mapTilesUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      mapAttribution: '© OpenStreetMap',
    });
    expect(() => loadConfig({ CROFT_MAP_TILES: 'https://tiles.example.org/map.png' }, false)).toThrow(ConfigError);
  });

  it('takes light mode’s extra host names (lower case, no port) and the live sockets’ limits', () => {
    expect(loadConfig({}, false)).toMatchObject({
      allowedHosts: [],
      liveRecheckMs: 30_000,
      liveSocketsPerUser: 20,
    });
    expect(loadConfig({ CROFT_ALLOWED_HOSTS: 'Croft.Local, farm-pc.' }, false).allowedHosts).toEqual([
      'croft.local',
      'farm-pc',
    ]);
    for (const bad of ['croft.local:8080', 'http://croft.local', '*.local'])
      expect(() => loadConfig({ CROFT_ALLOWED_HOSTS: bad }, false)).toThrow(/CROFT_ALLOWED_HOSTS/);
  });
});
