import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built web app: dist/web under the package root (the same three levels up from src/ and dist/). */
export const WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/**
 * The web app's content policy: everything from this server only (no CDN, no fonts from the internet);
 * inline styles for the component library's CSS variables; the live socket on the same host; map tiles
 * from their server only when CROFT_MAP_TILES names one.
 */
export function appCsp(tilesUrl?: string): string {
  const tiles = tilesUrl ? /^(https?:\/\/[^/]+)/.exec(tilesUrl)?.[1]?.replace('{s}', '*') : undefined;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${tiles ? ` ${tiles}` : ''}`,
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "media-src 'self' blob:",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}
export const APP_CSP = appCsp();

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Croft</title>
<p>Croft's web app has not been built. Run <code>npm run build</code> (npm ci and npm start do it), then reload.</p>
<p>The API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>`;

/**
 * Serves the web app at `/`: hashed assets cached for a year (precompressed copies when the browser
 * takes them), and index.html (never cached) for every other page path, so deep links open the app.
 * Every page — `/`, `/index.html`, a deep link — and every file of the app carries the one content policy.
 * Returns the fallback for page requests no route took.
 */
export async function registerWebApp(
  app: FastifyInstance,
  dir = WEB_DIR,
  options: { tilesUrl?: string | undefined } = {},
): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply> {
  const csp = appCsp(options.tilesUrl);
  const built = existsSync(`${dir}index.html`);
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: false,
      preCompressed: true,
      cacheControl: false, // ours, below
      setHeaders(res, path) {
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        // The same policy on every file of the app: /index.html is the app too, and an SVG opened alone is a page.
        res.setHeader('content-security-policy', csp);
      },
    });
  }
  return (request, reply) => {
    // A missing asset is a 404, not the app (a stale page asking for last version's bundle).
    if (request.url.startsWith('/assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    reply.header('content-security-policy', csp).header('cache-control', 'no-cache');
    if (!built) return reply.code(200).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type('text/html; charset=utf-8').sendFile('index.html', { cacheControl: false });
  };
}
