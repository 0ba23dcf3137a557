import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isTimeZone } from './time-zones.js';

/**
 * Every setting Croft reads, parsed once from the environment. A bad value stops the start with a
 * message naming the variable; nothing else in the code reads `process.env`.
 */
export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Folder for the embedded database and local files; used when `databaseUrl` is not set. */
  dataDir: string;
  /** PostgreSQL connection string; when absent Croft runs the embedded PGlite database. */
  databaseUrl: string | undefined;
  dbPoolSize: number;
  /** PostgreSQL cancels a statement running longer than this (0: never); PGlite ignores it. */
  statementTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty` when stdout is a terminal, otherwise one JSON object a line. */
  logFormat: 'json' | 'pretty';
  bodyLimitBytes: number;
  /** Whether `croft serve` also runs background jobs. */
  jobs: boolean;
  jobPollMs: number;
  cronTickMs: number;
  shutdownTimeoutMs: number;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** A transaction holding the embedded database longer than this is logged as a warning. */
  slowTransactionMs: number;
  /** `none` (light mode): every request acts as the admin of one local farm. */
  auth: 'required' | 'none';
  registration: 'open' | 'invite' | 'closed';
  /** When set, first-run setup must present it. */
  setupToken: string | undefined;
  /** Seals backups with this passphrase (AES-256-GCM); restoring a sealed backup needs it. */
  backupPassphrase: string | undefined;
  /**
   * Daily backups by the serving process (CROFT_BACKUP_TO and the rest); unset, none are made on
   * their own (`croft backup` still works).
   */
  backupSchedule: BackupSchedule | undefined;
  /** Overrides the access-token signing key kept in the database (at least 32 characters). */
  jwtSecret: string | undefined;
  /** Issuer and audience of access tokens. */
  jwtIssuer: string;
  accessTokenTtlS: number;
  refreshTokenTtlDays: number;
  refreshGraceS: number;
  invitationTtlHours: number;
  passwordResetTtlMinutes: number;
  lockoutFailures: number;
  lockoutMinutes: number;
  /**
   * Which proxies in front of Croft to believe about the client's address (`X-Forwarded-For`, and the
   * scheme and host they forward): false (none: the address is the connection's), true (any: only when
   * nothing reaches Croft but through the proxy), a hop count, or the proxies' addresses and CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** Requests per minute per address on the sign-in endpoints. */
  authRateLimitPerMinute: number;
  /**
   * Token refreshes per minute from one address. Every page load of the web app refreshes once, and a
   * farm's people often share one address, so this is wider than the sign-in limit; guessing a refresh
   * token stays hopeless either way.
   */
  refreshRateLimitPerMinute: number;
  farmPurgeDays: number;
  /** Where people reach this Croft (links in QR labels and invitations). */
  publicUrl: string;
  /**
   * Map tiles for the web app's map, as a URL template ({z}/{x}/{y}); unset, the map draws only the
   * farm's own shapes, so nothing is fetched from the internet (a farm may be offline).
   */
  mapTilesUrl: string | undefined;
  /** The tiles' attribution, shown on the map as their licence asks. */
  mapAttribution: string | undefined;
  /** Embedded MQTT broker port; `off` runs none. */
  mqttPort: number | 'off';
  /** Whether the port was chosen (a taken default port makes Croft step aside; a taken chosen one stops it). */
  mqttPortChosen: boolean;
  mqttAnonymous: boolean;
  mqttAnonymousFarm: string | undefined;
  /** How long MQTT messages are gathered into one commit. */
  mqttBatchMs: number;
  /** An external MQTT broker Croft is a client of (instead of, or beside, the embedded one). */
  mqttUrl: string | undefined;
  /** The shared-subscription group instances split the broker's messages in. */
  mqttShareGroup: string;
  /** This instance's MQTT client id (stable, so the broker keeps its session across restarts). */
  mqttClientId: string;
  /** How long the external broker keeps this instance's session (and its messages) while it is away. */
  mqttSessionExpiryS: number;
  /** Connections to the external broker (each handles one message at a time). */
  mqttClientConnections: number;
  /** The largest MQTT packet the embedded broker reads; a connection announcing more is closed. */
  mqttMaxPacketBytes: number;
  /** Open MQTT connections one network address may hold (every listener together). */
  mqttConnectionsPerAddress: number;
  /** MQTT connection attempts one network address may make per minute. */
  mqttConnectsPerMinute: number;
  /** MQTT over TLS: its port, and the PEM certificate (chain) and key files; off without both files. */
  mqttTls: { port: number; certFile: string; keyFile: string } | undefined;
  /** MQTT over WebSocket on the HTTP port, at /mqtt. */
  mqttWebSocket: boolean;
  /** When set, the broker authentication/ACL endpoints require the header `X-Broker-Token: <token>`. */
  brokerAuthToken: string | undefined;
  /** Redis or Valkey for live events across instances and shared rate limits. */
  redisUrl: string | undefined;
  /** Web origins (besides CROFT_PUBLIC_URL's and the server's own) allowed to open live sockets. */
  allowedOrigins: string[];
  /**
   * Light mode: host names (lower case) requests may be addressed to, besides CROFT_PUBLIC_URL's, localhost
   * and any IP address (a DNS-rebinding page reaches Croft under a name of its own, never these).
   */
  allowedHosts: string[];
  /** How often live sockets check their token's expiry. */
  liveCheckMs: number;
  /** How long a live socket may wait before its first `auth` message. */
  liveAuthTimeoutMs: number;
  /** How often live sockets check again that their credential still works and the farm is still theirs. */
  liveRecheckMs: number;
  /** Live sockets one person or API key may have open at once (in one process). */
  liveSocketsPerUser: number;
  /** How often devices are expected to send a heartbeat. */
  heartbeatIntervalS: number;
  /** Heartbeats missed before a device counts as offline. */
  heartbeatMissed: number;
  /** A command's time to live when the request names none. */
  commandTtlS: number;
  /** How long a sent command may wait for the device's first answer. */
  commandAckTimeoutS: number;
  /** How often due schedules are looked for. */
  scheduleTickMs: number;
  /** SMTP server for email notifications (smtp://user:pass@host:587); none: no email. */
  smtpUrl: string | undefined;
  smtpFrom: string;
  /** Let webhooks reach private, loopback and link-local addresses (a trusted network only). */
  webhookAllowPrivate: boolean;
  /** Seconds before each webhook retry. */
  webhookRetryS: number[];
  /** Notification subscriptions one person may hold (across their farms). */
  subscriptionsPerUser: number;
  /**
   * Subscriptions that may reach one farm (naming it, or all farms of one of its members): bounds how many
   * deliveries one alert fans out into.
   */
  subscriptionsPerFarm: number;
  /** How often open commands and device presence are checked. */
  deviceSweepMs: number;
  /** The farm-local hour (0–23) from which each person is sent the day's task digest. */
  taskDigestHour: number;
  /** The plant catalogue's seed folder, instead of the one shipped (seed/catalog). */
  catalogSeedDir: string | undefined;
  /** The largest detection model (ONNX) a farm may upload: 413 beyond. */
  detectorModelMaxBytes: number;
  /**
   * An S3-compatible store for photos (CROFT_S3_BUCKET and the rest); unset, photos are kept under
   * `<data dir>/photos`.
   */
  s3: (S3Connection & { bucket: string }) | undefined;
  /** How to reach an S3-compatible store (CROFT_S3_ENDPOINT and the rest), also for s3:// backup targets. */
  s3Connection: S3Connection;
}

export interface S3Connection {
  /** The store's URL (MinIO, Garage …); unset: AWS's own for the region. */
  endpoint: string | undefined;
  region: string;
  /** Both or neither; neither: the SDK's own credential chain (environment, instance role …). */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  /** Bucket in the path, not the host name (MinIO, Garage, s3rver). */
  forcePathStyle: boolean;
}

export interface BackupSchedule {
  /** A folder, or `s3://bucket/prefix`. */
  to: string;
  /** Local time of day, HH:MM. */
  at: string;
  /** The IANA zone `at` is read in. */
  timeZone: string;
  /** Scheduled backups kept at the target; older ones are deleted. */
  keep: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${n})`);
  return n;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const value = read(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(name, `must be on or off (got "${value}")`);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };

function byteSize(env: Env, name: string, fallback: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value);
  const unit = match?.[2]?.toLowerCase() ?? '';
  if (!match || !(unit in SIZE_UNITS)) {
    throw new ConfigError(name, `must be a size such as 1048576, 512kb or 4mb (got "${value}")`);
  }
  const bytes = Number(match[1]) * (SIZE_UNITS[unit] ?? 1);
  if (bytes < 1024) throw new ConfigError(name, 'must be at least 1kb');
  return bytes;
}

function databaseUrl(env: Env): string | undefined {
  const value = read(env, 'DATABASE_URL');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a URL (expected postgres://user@host:5432/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must start with postgres:// (got ${url.protocol}//)`);
  }
  return value;
}

function lightMode(env: Env, runEnv: Config['env']): Config['auth'] {
  const auth = oneOf(env, 'CROFT_AUTH', ['required', 'none'] as const, 'required');
  if (auth === 'none' && runEnv === 'production') {
    throw new ConfigError('CROFT_AUTH', 'none (no sign-in) is refused when CROFT_ENV=production');
  }
  return auth;
}

function jwtSecret(env: Env): string | undefined {
  const value = read(env, 'CROFT_JWT_SECRET');
  if (value !== undefined && value.length < 32)
    throw new ConfigError('CROFT_JWT_SECRET', 'must be at least 32 characters');
  return value;
}

function mqttAnonymousFarm(env: Env): string | undefined {
  const farm = read(env, 'CROFT_MQTT_ANONYMOUS_FARM');
  if (onOff(env, 'CROFT_MQTT_ANONYMOUS', false) && farm === undefined) {
    throw new ConfigError(
      'CROFT_MQTT_ANONYMOUS_FARM',
      'must name the farm (slug or id) that anonymous devices belong to',
    );
  }
  return farm;
}

function mqttTls(env: Env): Config['mqttTls'] {
  const certFile = read(env, 'CROFT_MQTT_TLS_CERT');
  const keyFile = read(env, 'CROFT_MQTT_TLS_KEY');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? 'CROFT_MQTT_TLS_CERT' : 'CROFT_MQTT_TLS_KEY';
    throw new ConfigError(missing, 'MQTT over TLS needs both CROFT_MQTT_TLS_CERT and CROFT_MQTT_TLS_KEY (PEM files)');
  }
  return {
    port: integer(env, 'CROFT_MQTT_TLS_PORT', 8883, 0, 65535),
    certFile: path.resolve(certFile),
    keyFile: path.resolve(keyFile),
  };
}

function mapTiles(env: Env): string | undefined {
  const value = read(env, 'CROFT_MAP_TILES');
  if (value === undefined) return undefined;
  if (!/^https?:\/\/.+\{z\}.*\{x\}.*\{y\}/.test(value)) {
    throw new ConfigError(
      'CROFT_MAP_TILES',
      `must be a tile URL template with {z}, {x} and {y}, such as https://tile.openstreetmap.org/{z}/{x}/{y}.png (got "${value}")`,
    );
  }
  return value;
}

function publicUrl(env: Env): string {
  const value = read(env, 'CROFT_PUBLIC_URL') ?? `http://localhost:${read(env, 'CROFT_PORT') ?? '8080'}`;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(
      'CROFT_PUBLIC_URL',
      `must be an http(s) URL such as https://farm.example.org (got "${value}")`,
    );
  }
  return value.replace(/\/+$/, '');
}

function serviceUrl(env: Env, name: string, schemes: string[], example: string): string | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL (expected ${example})`);
  }
  if (!schemes.includes(url.protocol))
    throw new ConfigError(name, `must start with ${schemes.map((s) => `${s}//`).join(' or ')} (got ${url.protocol}//)`);
  // ioredis does not know the valkey scheme; it speaks the same protocol.
  return value.replace(/^valkey(s?):/, 'redis$1:');
}

/** proxy-addr's names for whole address ranges, besides addresses and CIDRs. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(env: Env): Config['trustProxy'] {
  const value = read(env, 'CROFT_TRUST_PROXY');
  if (value === undefined || ['off', 'false', 'no', '0'].includes(value.toLowerCase())) return false;
  if (['on', 'true', 'yes'].includes(value.toLowerCase())) return true;
  if (/^\d+$/.test(value)) return integer(env, 'CROFT_TRUST_PROXY', 0, 1, 100);
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [address = '', bits, ...rest] = entry.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
      if (!PROXY_RANGES.includes(entry) && (family === 0 || !bitsOk || rest.length > 0)) {
        throw new ConfigError(
          'CROFT_TRUST_PROXY',
          `must be on, off, a hop count, or proxy addresses and CIDRs such as 10.0.0.1,192.168.0.0/16 (got "${entry}")`,
        );
      }
      return entry;
    });
}

function origins(env: Env): string[] {
  const value = read(env, 'CROFT_ALLOWED_ORIGINS');
  if (value === undefined) return [];
  return value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((origin) => {
      try {
        return new URL(origin).origin;
      } catch {
        throw new ConfigError('CROFT_ALLOWED_ORIGINS', `"${origin}" is not an origin such as https://farm.example.org`);
      }
    });
}

function hosts(env: Env): string[] {
  const value = read(env, 'CROFT_ALLOWED_HOSTS');
  if (value === undefined) return [];
  return value
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean)
    .map((host) => {
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host))
        throw new ConfigError('CROFT_ALLOWED_HOSTS', `"${host}" is not a host name such as croft.local (no port)`);
      return host;
    });
}

function s3Connection(env: Env): S3Connection {
  const accessKeyId = read(env, 'CROFT_S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'CROFT_S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new ConfigError(
      accessKeyId === undefined ? 'CROFT_S3_ACCESS_KEY_ID' : 'CROFT_S3_SECRET_ACCESS_KEY',
      'set both CROFT_S3_ACCESS_KEY_ID and CROFT_S3_SECRET_ACCESS_KEY, or neither',
    );
  const region = read(env, 'CROFT_S3_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]{2,40}$/.test(region))
    throw new ConfigError('CROFT_S3_REGION', `"${region}" is not a region name such as eu-central-1`);
  return {
    endpoint: serviceUrl(env, 'CROFT_S3_ENDPOINT', ['http:', 'https:'], 'https://s3.example.org:9000'),
    region,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: onOff(env, 'CROFT_S3_FORCE_PATH_STYLE', false),
  };
}

/** An S3 bucket name: 3–63 lower-case letters, digits, dots and dashes. */
export const isBucketName = (name: string) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name);

function s3(env: Env, connection: S3Connection): Config['s3'] {
  const bucket = read(env, 'CROFT_S3_BUCKET');
  const named = ['CROFT_S3_ENDPOINT', 'CROFT_S3_REGION', 'CROFT_S3_ACCESS_KEY_ID', 'CROFT_S3_SECRET_ACCESS_KEY'];
  if (bucket === undefined) {
    // The connection alone serves an s3:// backup target; otherwise a forgotten bucket is said.
    const stray = named.find((name) => read(env, name) !== undefined);
    if (stray && !read(env, 'CROFT_BACKUP_TO')?.startsWith('s3://'))
      throw new ConfigError(stray, 'is set but CROFT_S3_BUCKET is not: name the bucket photos go to');
    return undefined;
  }
  if (!isBucketName(bucket))
    throw new ConfigError(
      'CROFT_S3_BUCKET',
      `"${bucket}" is not a bucket name (3–63 lower-case letters, digits, dots, dashes)`,
    );
  return { ...connection, bucket };
}

/** The zone this machine's clock is set to (TZ, /etc/localtime), UTC when it has none. */
const machineZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function backupSchedule(env: Env): BackupSchedule | undefined {
  const to = read(env, 'CROFT_BACKUP_TO');
  const named = ['CROFT_BACKUP_AT', 'CROFT_BACKUP_TIME_ZONE', 'CROFT_BACKUP_KEEP'];
  if (to === undefined) {
    const stray = named.find((name) => read(env, name) !== undefined);
    if (stray)
      throw new ConfigError(stray, 'is set but CROFT_BACKUP_TO is not: name the folder or s3:// bucket backups go to');
    return undefined;
  }
  if (to.startsWith('s3://')) {
    const bucket = to.slice(5).split('/')[0] ?? '';
    if (!isBucketName(bucket))
      throw new ConfigError('CROFT_BACKUP_TO', `"${to}" does not name a bucket: write s3://bucket/prefix`);
  } else if (!path.isAbsolute(to)) {
    throw new ConfigError('CROFT_BACKUP_TO', `"${to}" is not an absolute folder path or s3://bucket/prefix`);
  }
  const at = read(env, 'CROFT_BACKUP_AT') ?? '03:00';
  if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(at))
    throw new ConfigError('CROFT_BACKUP_AT', `"${at}" is not a time of day such as 03:00 (24-hour HH:MM)`);
  const timeZone = read(env, 'CROFT_BACKUP_TIME_ZONE') ?? machineZone();
  if (!isTimeZone(timeZone))
    throw new ConfigError(
      'CROFT_BACKUP_TIME_ZONE',
      `"${timeZone}" is not a time zone (an IANA name such as Europe/Berlin)`,
    );
  return { to, at, timeZone, keep: integer(env, 'CROFT_BACKUP_KEEP', 30, 1, 1000) };
}

function retryDelays(env: Env): number[] {
  const value = read(env, 'CROFT_WEBHOOK_RETRY_S') ?? '5,25,125';
  const delays = value.split(',').map((v) => Number(v.trim()));
  if (delays.length === 0 || delays.length > 10 || delays.some((d) => !Number.isInteger(d) || d < 1 || d > 86_400)) {
    throw new ConfigError(
      'CROFT_WEBHOOK_RETRY_S',
      `must list up to 10 delays in seconds, such as 5,25,125 (got "${value}")`,
    );
  }
  return delays;
}

/** Reads the configuration; throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(env: Env = process.env, isTerminal = Boolean(process.stdout.isTTY)): Config {
  const runEnv = oneOf(env, 'CROFT_ENV', ['development', 'production', 'test'] as const, 'development');
  const connection = s3Connection(env);
  return {
    env: runEnv,
    host: read(env, 'CROFT_HOST') ?? '0.0.0.0',
    port: integer(env, 'CROFT_PORT', 8080, 0, 65535),
    dataDir: path.resolve(read(env, 'CROFT_DATA_DIR') ?? 'data'),
    databaseUrl: databaseUrl(env),
    dbPoolSize: integer(env, 'CROFT_DB_POOL_SIZE', 10, 1, 200),
    statementTimeoutMs: integer(env, 'CROFT_STATEMENT_TIMEOUT_MS', 30_000, 0, 86_400_000),
    logLevel: oneOf(
      env,
      'CROFT_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    logFormat: oneOf(env, 'CROFT_LOG_FORMAT', ['json', 'pretty'] as const, isTerminal ? 'pretty' : 'json'),
    bodyLimitBytes: byteSize(env, 'CROFT_BODY_LIMIT', 1024 * 1024),
    jobs: onOff(env, 'CROFT_JOBS', true),
    jobPollMs: integer(env, 'CROFT_JOB_POLL_MS', 2000, 500, 3_600_000),
    cronTickMs: integer(env, 'CROFT_CRON_TICK_MS', 1000, 50, 3_600_000),
    shutdownTimeoutMs: integer(env, 'CROFT_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    metricsToken: read(env, 'CROFT_METRICS_TOKEN'),
    slowTransactionMs: integer(env, 'CROFT_SLOW_TRANSACTION_MS', 200, 1, 3_600_000),
    auth: lightMode(env, runEnv),
    registration: oneOf(env, 'CROFT_REGISTRATION', ['open', 'invite', 'closed'] as const, 'invite'),
    setupToken: read(env, 'CROFT_SETUP_TOKEN'),
    backupPassphrase: read(env, 'CROFT_BACKUP_PASSPHRASE'),
    backupSchedule: backupSchedule(env),
    jwtSecret: jwtSecret(env),
    jwtIssuer: read(env, 'CROFT_JWT_ISSUER') ?? 'croft',
    accessTokenTtlS: integer(env, 'CROFT_ACCESS_TOKEN_TTL_S', 900, 10, 86_400),
    refreshTokenTtlDays: integer(env, 'CROFT_REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    refreshGraceS: integer(env, 'CROFT_REFRESH_GRACE_S', 10, 0, 3600),
    invitationTtlHours: integer(env, 'CROFT_INVITATION_TTL_HOURS', 168, 1, 24 * 90),
    passwordResetTtlMinutes: integer(env, 'CROFT_PASSWORD_RESET_TTL_MINUTES', 60, 1, 24 * 60),
    lockoutFailures: integer(env, 'CROFT_LOCKOUT_FAILURES', 5, 1, 1000),
    lockoutMinutes: integer(env, 'CROFT_LOCKOUT_MINUTES', 15, 1, 24 * 60),
    trustProxy: trustProxy(env),
    authRateLimitPerMinute: integer(env, 'CROFT_AUTH_RATE_LIMIT', 30, 1, 100_000),
    refreshRateLimitPerMinute: integer(env, 'CROFT_REFRESH_RATE_LIMIT', 600, 1, 1_000_000),
    farmPurgeDays: integer(env, 'CROFT_FARM_PURGE_DAYS', 30, 0, 3650),
    publicUrl: publicUrl(env),
    mapTilesUrl: mapTiles(env),
    mapAttribution: read(env, 'CROFT_MAP_ATTRIBUTION'),
    mqttPort:
      read(env, 'CROFT_MQTT_PORT')?.toLowerCase() === 'off' ? 'off' : integer(env, 'CROFT_MQTT_PORT', 1883, 0, 65535),
    mqttPortChosen: read(env, 'CROFT_MQTT_PORT') !== undefined,
    mqttAnonymous: onOff(env, 'CROFT_MQTT_ANONYMOUS', false),
    mqttAnonymousFarm: mqttAnonymousFarm(env),
    mqttBatchMs: integer(env, 'CROFT_MQTT_BATCH_MS', 5, 0, 1000),
    mqttUrl: serviceUrl(
      env,
      'MQTT_URL',
      ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:'],
      'mqtt://user:password@broker:1883',
    ),
    mqttShareGroup: read(env, 'CROFT_MQTT_SHARE_GROUP') ?? 'croft',
    mqttClientId: read(env, 'CROFT_MQTT_CLIENT_ID') ?? `croft-${os.hostname()}-${read(env, 'CROFT_PORT') ?? '8080'}`,
    mqttSessionExpiryS: integer(env, 'CROFT_MQTT_SESSION_EXPIRY_S', 86_400, 0, 30 * 86_400),
    mqttClientConnections: integer(env, 'CROFT_MQTT_CLIENT_CONNECTIONS', 8, 1, 256),
    mqttMaxPacketBytes: byteSize(env, 'CROFT_MQTT_MAX_PACKET', 256 * 1024),
    mqttConnectionsPerAddress: integer(env, 'CROFT_MQTT_CONNECTIONS_PER_ADDRESS', 1000, 1, 1_000_000),
    mqttConnectsPerMinute: integer(env, 'CROFT_MQTT_CONNECTS_PER_MINUTE', 600, 1, 10_000_000),
    mqttTls: mqttTls(env),
    mqttWebSocket: onOff(env, 'CROFT_MQTT_WEBSOCKET', true),
    brokerAuthToken: read(env, 'CROFT_BROKER_AUTH_TOKEN'),
    redisUrl: serviceUrl(env, 'REDIS_URL', ['redis:', 'rediss:', 'valkey:', 'valkeys:'], 'redis://localhost:6379'),
    allowedOrigins: origins(env),
    allowedHosts: hosts(env),
    liveCheckMs: integer(env, 'CROFT_LIVE_CHECK_MS', 1000, 10, 60_000),
    liveAuthTimeoutMs: integer(env, 'CROFT_LIVE_AUTH_TIMEOUT_MS', 5000, 100, 60_000),
    liveRecheckMs: integer(env, 'CROFT_LIVE_RECHECK_S', 30, 1, 3600) * 1000,
    liveSocketsPerUser: integer(env, 'CROFT_LIVE_SOCKETS_PER_USER', 20, 1, 10_000),
    heartbeatIntervalS: integer(env, 'CROFT_HEARTBEAT_INTERVAL_S', 30, 1, 86_400),
    heartbeatMissed: integer(env, 'CROFT_HEARTBEAT_MISSED', 3, 1, 1000),
    commandTtlS: integer(env, 'CROFT_COMMAND_TTL_S', 600, 1, 7 * 86_400),
    commandAckTimeoutS: integer(env, 'CROFT_COMMAND_ACK_TIMEOUT_S', 30, 1, 3600),
    scheduleTickMs: integer(env, 'CROFT_SCHEDULE_TICK_MS', 250, 20, 10_000),
    smtpUrl: serviceUrl(env, 'CROFT_SMTP_URL', ['smtp:', 'smtps:'], 'smtp://user:password@mail.example.org:587'),
    smtpFrom: read(env, 'CROFT_SMTP_FROM') ?? 'Croft <croft@localhost>',
    webhookAllowPrivate: onOff(env, 'CROFT_WEBHOOK_ALLOW_PRIVATE', false),
    webhookRetryS: retryDelays(env),
    subscriptionsPerUser: integer(env, 'CROFT_SUBSCRIPTIONS_PER_USER', 25, 1, 10_000),
    subscriptionsPerFarm: integer(env, 'CROFT_SUBSCRIPTIONS_PER_FARM', 250, 1, 100_000),
    deviceSweepMs: integer(env, 'CROFT_DEVICE_SWEEP_MS', 1000, 50, 60_000),
    taskDigestHour: integer(env, 'CROFT_TASK_DIGEST_HOUR', 7, 0, 23),
    catalogSeedDir: read(env, 'CROFT_CATALOG_SEED_DIR') && path.resolve(read(env, 'CROFT_CATALOG_SEED_DIR')!),
    detectorModelMaxBytes: integer(env, 'CROFT_DETECTOR_MODEL_MAX_MB', 100, 1, 2048) * 1024 * 1024,
    s3: s3(env, connection),
    s3Connection: connection,
  };
}
