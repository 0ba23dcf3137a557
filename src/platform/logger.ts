import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Paths whose values never reach a log line: credentials in headers and any field that holds a
 * password, token, secret or key, at the top level or one level down.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...[
    'password',
    'newPassword',
    'new_password',
    'token',
    'accessToken',
    'access_token',
    'refreshToken',
    'refresh_token',
    'secret',
    'apiKey',
    'api_key',
    'databaseUrl',
    'metricsToken',
  ].flatMap((key) => [key, `*.${key}`]),
];

/**
 * Paths that carry a secret in a segment (a calendar feed's token: `/api/v1/calendar/{token}.ics`): the
 * segment after the prefix is logged as `[redacted]`. Matched in any letter case, with doubled slashes
 * and in an absolute-form request line, so a request that misses the route (answered 404) is not logged
 * in full either.
 */
const SECRET_PATH_SEGMENTS = [/^((?:[a-z][a-z0-9+.-]*:\/\/[^/]*)?\/+api\/+v1\/+calendar\/+)[^/?#]*/i];

/** A request URL as it may be logged: secret path segments replaced. */
function redactPath(url: string): string {
  return SECRET_PATH_SEGMENTS.reduce((u, pattern) => u.replace(pattern, '$1[redacted]'), url);
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer (its fields as it logs them), with the URL's secret segments redacted. */
function requestSerializer(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactPath(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function loggerOptions(config: Pick<Config, 'logLevel' | 'logFormat'>): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: requestSerializer },
    ...(config.logFormat === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

/** A logger per the settings; `destination` (tests) receives JSON lines instead of stdout. */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Logger {
  return destination
    ? pino({ ...loggerOptions({ ...config, logFormat: 'json' }) }, destination)
    : pino(loggerOptions(config));
}
