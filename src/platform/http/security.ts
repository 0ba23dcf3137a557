import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's X-Request-Id when it is a sane token (to follow a request across services). */
export function requestIdFrom(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  // The app scans QR labels with the camera and reads GPS; nothing else may.
  'permissions-policy': 'camera=(self), microphone=(), geolocation=(self)',
};

/** The security headers of every response: HSTS too in production. */
export function securityHeaders(production: boolean): Record<string, string> {
  return production
    ? { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000; includeSubDomains' }
    : SECURITY_HEADERS;
}

/** Security headers and the request id on every response, errors and 404s included. */
export function registerSecurityHeaders(app: FastifyInstance, { production }: { production: boolean }): void {
  const headers = securityHeaders(production);
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
  });
}
