import path from 'node:path';

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
  /** Requests per minute per address on the sign-in endpoints. */
  authRateLimitPerMinute: number;
  farmPurgeDays: number;
  /** Where people reach this Croft (links in QR labels and invitations). */
  publicUrl: string;
  /** Embedded MQTT broker port; `off` runs none. */
  mqttPort: number | 'off';
  /** Whether the port was chosen (a taken default port makes Croft step aside; a taken chosen one stops it). */
  mqttPortChosen: boolean;
  mqttAnonymous: boolean;
  mqttAnonymousFarm: string | undefined;
  /** How long MQTT messages are gathered into one commit. */
  mqttBatchMs: number;
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
  if (value !== undefined && value.length < 32) throw new ConfigError('CROFT_JWT_SECRET', 'must be at least 32 characters');
  return value;
}

function mqttAnonymousFarm(env: Env): string | undefined {
  const farm = read(env, 'CROFT_MQTT_ANONYMOUS_FARM');
  if (onOff(env, 'CROFT_MQTT_ANONYMOUS', false) && farm === undefined) {
    throw new ConfigError('CROFT_MQTT_ANONYMOUS_FARM', 'must name the farm (slug or id) that anonymous devices belong to');
  }
  return farm;
}

function publicUrl(env: Env): string {
  const value = read(env, 'CROFT_PUBLIC_URL') ?? `http://localhost:${read(env, 'CROFT_PORT') ?? '8080'}`;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError('CROFT_PUBLIC_URL', `must be an http(s) URL such as https://farm.example.org (got "${value}")`);
  }
  return value.replace(/\/+$/, '');
}

/** Reads the configuration; throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(env: Env = process.env, isTerminal = Boolean(process.stdout.isTTY)): Config {
  const runEnv = oneOf(env, 'CROFT_ENV', ['development', 'production', 'test'] as const, 'development');
  return {
    env: runEnv,
    host: read(env, 'CROFT_HOST') ?? '0.0.0.0',
    port: integer(env, 'CROFT_PORT', 8080, 0, 65535),
    dataDir: path.resolve(read(env, 'CROFT_DATA_DIR') ?? 'data'),
    databaseUrl: databaseUrl(env),
    dbPoolSize: integer(env, 'CROFT_DB_POOL_SIZE', 10, 1, 200),
    logLevel: oneOf(env, 'CROFT_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
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
    jwtSecret: jwtSecret(env),
    jwtIssuer: read(env, 'CROFT_JWT_ISSUER') ?? 'croft',
    accessTokenTtlS: integer(env, 'CROFT_ACCESS_TOKEN_TTL_S', 900, 10, 86_400),
    refreshTokenTtlDays: integer(env, 'CROFT_REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    refreshGraceS: integer(env, 'CROFT_REFRESH_GRACE_S', 10, 0, 3600),
    invitationTtlHours: integer(env, 'CROFT_INVITATION_TTL_HOURS', 168, 1, 24 * 90),
    passwordResetTtlMinutes: integer(env, 'CROFT_PASSWORD_RESET_TTL_MINUTES', 60, 1, 24 * 60),
    lockoutFailures: integer(env, 'CROFT_LOCKOUT_FAILURES', 5, 1, 1000),
    lockoutMinutes: integer(env, 'CROFT_LOCKOUT_MINUTES', 15, 1, 24 * 60),
    authRateLimitPerMinute: integer(env, 'CROFT_AUTH_RATE_LIMIT', 30, 1, 100_000),
    farmPurgeDays: integer(env, 'CROFT_FARM_PURGE_DAYS', 30, 0, 3650),
    publicUrl: publicUrl(env),
    mqttPort: read(env, 'CROFT_MQTT_PORT')?.toLowerCase() === 'off' ? 'off' : integer(env, 'CROFT_MQTT_PORT', 1883, 0, 65535),
    mqttPortChosen: read(env, 'CROFT_MQTT_PORT') !== undefined,
    mqttAnonymous: onOff(env, 'CROFT_MQTT_ANONYMOUS', false),
    mqttAnonymousFarm: mqttAnonymousFarm(env),
    mqttBatchMs: integer(env, 'CROFT_MQTT_BATCH_MS', 5, 0, 1000),
  };
}
