import Fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from './error-handler.js';
import { APP_CSP, registerWebApp } from './web-app.js';

describe('the web app at /', () => {
  const dir = `${mkdtempSync(join(tmpdir(), 'croft-web-'))}/`;
  const app = Fastify();
  const bare = Fastify();

  beforeAll(async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    registerErrorHandling(app, await registerWebApp(app, dir));
    app.get('/api/v1/thing', async () => ({ ok: true }));
    registerErrorHandling(bare, await registerWebApp(bare, join(dir, 'nothing-built/')));
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every page path with the app, under a strict content policy, never cached', async () => {
    for (const url of ['/', '/index.html', '/farms/riverside/devices/house-1.a', '/setup?x=1']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('id="root"');
      expect(res.headers['content-security-policy']).toBe(APP_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).not.toMatch(/https?:/);
  });

  it('serves hashed assets for a year, and a missing one as 404 rather than the app', async () => {
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toBe(APP_CSP);
    expect((await app.inject({ url: '/assets/index-old.js' })).statusCode).toBe(404);
  });

  it('keeps /api JSON: an unknown endpoint is a 404 in the error shape', async () => {
    const res = await app.inject({ url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error_code: 'ROUTE_NOT_FOUND' });
    expect((await app.inject({ method: 'POST', url: '/farms/x' })).statusCode).toBe(404);
  });

  it('lets map tiles in only from the server CROFT_MAP_TILES names', async () => {
    const { appCsp } = await import('./web-app.js');
    expect(appCsp('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png')).toContain(
      "img-src 'self' data: blob: https://*.tile.openstreetmap.org;",
    );
    expect(appCsp()).toContain("img-src 'self' data: blob:;");
  });

  it('says how to build the app when it has not been built', async () => {
    const res = await bare.inject({ url: '/farms/x' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build');
  });
});
