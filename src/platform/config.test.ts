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

  it('makes no backups on its own until CROFT_BACKUP_TO names where; then daily at 03:00 machine time, 30 kept', () => {
    expect(loadConfig({}, false).backupSchedule).toBeUndefined();
    expect(loadConfig({ CROFT_BACKUP_TO: '/mnt/usb/croft' }, false).backupSchedule).toMatchObject({
      to: '/mnt/usb/croft',
      at: '03:00',
      keep: 30,
    });
    expect(
      loadConfig(
        {
          CROFT_BACKUP_TO: 's3://croft-backups/farm-a',
          CROFT_BACKUP_AT: '23:45',
          CROFT_BACKUP_TIME_ZONE: 'Asia/Phnom_Penh',
          CROFT_BACKUP_KEEP: '7',
          // An endpoint without a photo bucket serves the s3:// backup target.
          CROFT_S3_ENDPOINT: 'http://127.0.0.1:9000',
        },
        false,
      ),
    ).toMatchObject({
      backupSchedule: { to: 's3://croft-backups/farm-a', at: '23:45', timeZone: 'Asia/Phnom_Penh', keep: 7 },
      s3: undefined,
      s3Connection: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' },
    });
  });

  it.each([
    [{ CROFT_BACKUP_AT: '03:00' }, 'CROFT_BACKUP_AT', 'is set but CROFT_BACKUP_TO is not'],
    [{ CROFT_BACKUP_TO: 'backups' }, 'CROFT_BACKUP_TO', 'is not an absolute folder path or s3://bucket/prefix'],
    [{ CROFT_BACKUP_TO: 's3://A_B/x' }, 'CROFT_BACKUP_TO', 'does not name a bucket'],
    [{ CROFT_BACKUP_TO: '/b', CROFT_BACKUP_AT: '3am' }, 'CROFT_BACKUP_AT', 'is not a time of day'],
    [{ CROFT_BACKUP_TO: '/b', CROFT_BACKUP_AT: '24:00' }, 'CROFT_BACKUP_AT', 'is not a time of day'],
    [{ CROFT_BACKUP_TO: '/b', CROFT_BACKUP_TIME_ZONE: 'Mars/Olympus' }, 'CROFT_BACKUP_TIME_ZONE', 'is not a time zone'],
    [{ CROFT_BACKUP_TO: '/b', CROFT_BACKUP_KEEP: '0' }, 'CROFT_BACKUP_KEEP', 'must be between 1 and 1000'],
    [{ CROFT_BACKUP_TO: '/b', CROFT_S3_ENDPOINT: 'http://x:9000' }, 'CROFT_S3_ENDPOINT', 'CROFT_S3_BUCKET is not'],
  ])('stops on backup settings %j and names %s', (env, variable, message) => {
    expect(() => loadConfig(env, false)).toThrow(ConfigError);
    expect(() => loadConfig(env, false)).toThrow(`${variable}: `);
    expect(() => loadConfig(env, false)).toThrow(message);
  });
});
