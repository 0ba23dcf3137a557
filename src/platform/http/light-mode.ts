import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';

type GuardConfig = Pick<Config, 'publicUrl' | 'allowedHosts' | 'allowedOrigins'>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The content types a cross-site form or a `no-cors` fetch may send without asking first (CORS "simple"). */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** The host name of a Host header, lower case, without port or trailing dot; IPv6 literals keep their brackets. */
function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  const name = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

/**
 * Whether a request may be addressed to this Host. A DNS-rebinding page reaches Croft under a name of
 * its own (its origin's), so an IP address is always fine — phones on the farm's network use
 * `http://<address>:8080` — and so are localhost, CROFT_PUBLIC_URL's host and CROFT_ALLOWED_HOSTS.
 */
export function hostAllowed(host: string | undefined, config: GuardConfig): boolean {
  if (host === undefined) return true; // not a browser: browsers always send Host
  const name = hostName(host);
  if (name.startsWith('[') ? isIP(name.slice(1, -1)) === 6 : isIP(name) === 4) return true;
  return name === 'localhost' || name === new URL(config.publicUrl).hostname || config.allowedHosts.includes(name);
}

/** Whether a browser's Origin is Croft's own: the Host it called, CROFT_PUBLIC_URL's, or CROFT_ALLOWED_ORIGINS. */
export function sameOrigin(
  origin: string,
  host: string | undefined,
  config: Pick<Config, 'publicUrl' | 'allowedOrigins'>,
): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file) and anything else unparseable
  }
  return (
    parsed.host === host ||
    parsed.origin === new URL(config.publicUrl).origin ||
    config.allowedOrigins.includes(parsed.origin)
  );
}

/**
 * Whether the request carries something a cross-site page cannot send without a CORS preflight (which
 * Croft never grants): an X-Requested-With or Authorization header, or a body that is not form-like.
 */
function hasNonSimpleHeader(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers['x-requested-with'] !== undefined || headers.authorization !== undefined) return true;
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && type !== '' && !SIMPLE_CONTENT_TYPES.has(type);
}

const refused = (code: string, message: string, details: Record<string, unknown>) =>
  new DomainError('forbidden', code, message, details);

/**
 * Light mode (CROFT_AUTH=none) makes every request the admin, so the request itself must show that it
 * comes from someone on this Croft's own pages or from a script, not from any web page the farmer
 * happens to visit: its Host is one of Croft's (DNS rebinding), and a change (any method but GET, HEAD,
 * OPTIONS) carries a same-origin Origin or a header a cross-site page cannot send (cross-site requests).
 */
export function registerLightModeGuard(app: FastifyInstance, config: GuardConfig): void {
  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    if (!hostAllowed(host, config))
      throw refused(
        'HOST_NOT_ALLOWED',
        'Without sign-in (CROFT_AUTH=none) Croft answers only its own addresses: an IP address, localhost, ' +
          "CROFT_PUBLIC_URL's host, or a name in CROFT_ALLOWED_HOSTS",
        { host },
      );
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined ? sameOrigin(origin, host, config) : hasNonSimpleHeader(request)) return;
    throw refused(
      'CROSS_SITE_REQUEST',
      'Without sign-in (CROFT_AUTH=none) a change must come from Croft’s own pages: scripts send an ' +
        'X-Requested-With header (or a JSON body)',
      { origin: origin ?? null },
    );
  });
}
