import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import type { AddressInfo } from 'node:net';
import { createTestApp, testConfig, type TestApp } from '../../../test/helpers/app.js';
import { startSimulation } from '../../cli/simulate.js';
import { LiveClient, ofType } from '../../../test/helpers/live.js';
import { createLogger } from '../../platform/logger.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    mqtt: true,
    env: {
      CROFT_AUTH: 'none',
      CROFT_PUBLIC_URL: 'https://farm.example.org',
      CROFT_ALLOWED_HOSTS: 'Croft.Local, farm-pc',
    },
  });
});

afterAll(() => t.close());

describe('light mode (CROFT_AUTH=none)', () => {
  it('acts as the admin of one local farm without signing in', async () => {
    const farms = await t.app.inject({ method: 'GET', url: '/api/v1/farms' });
    expect(farms.statusCode).toBe(200);
    expect(farms.json().data).toHaveLength(1);
    expect(farms.json().data[0]).toMatchObject({ name: 'My farm', role: 'admin' });
    const status = await t.app.inject({ method: 'GET', url: '/api/v1/auth/status' });
    expect(status.json()).toMatchObject({ light_mode: true, needs_setup: false });
  });

  it('is refused in production', () => {
    expect(() => loadConfig({ CROFT_AUTH: 'none', CROFT_ENV: 'production' }, false)).toThrow(
      /CROFT_AUTH: none \(no sign-in\) is refused/,
    );
  });

  describe('answers only its own addresses (DNS rebinding)', () => {
    it.each([
      'localhost:8080',
      '127.0.0.1:8080',
      '192.168.1.10:8080', // a phone on the farm's network
      '[fe80::1]:8080',
      'farm.example.org', // CROFT_PUBLIC_URL's
      'croft.local:8080', // CROFT_ALLOWED_HOSTS
      'FARM-PC.',
    ])('Host %s: yes', async (host) => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/farms', headers: { host } });
      expect(res.statusCode, res.body).toBe(200);
    });

    it.each([
      'rebind.evil.example:8080',
      'farm.example.org.evil.example',
      '192.168.1.10.nip.io:8080',
      'localhost.evil',
    ])('Host %s: no, in the one error shape', async (host) => {
      for (const url of ['/api/v1/farms', '/']) {
        const res = await t.app.inject({ method: 'GET', url, headers: { host } });
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json()).toMatchObject({ error_code: 'HOST_NOT_ALLOWED', details: { host } });
        expect(res.json().error_id).toEqual(expect.any(String));
      }
    });
  });

  describe('takes changes only from its own pages or scripts (cross-site requests)', () => {
    let stop: string;
    const holding = async () =>
      (await t.app.inject({ method: 'GET', url: `${stop}`, headers: { host: '192.168.1.10:8080' } })).json().holding;

    beforeAll(async () => {
      const farms = await t.app.inject({ method: 'GET', url: '/api/v1/farms' });
      stop = `/api/v1/farms/${farms.json().data[0].slug}/emergency-stop`;
    });

    it('refuses a body-less or form-like POST from another site, or from nowhere said', async () => {
      const attempts: Array<Record<string, string>> = [
        {}, // a form or no-cors fetch whose Origin the browser left out
        { origin: 'https://evil.example' },
        { origin: 'https://evil.example', 'x-requested-with': 'x' },
        { origin: 'null' },
        { 'content-type': 'text/plain' },
        { 'content-type': 'application/x-www-form-urlencoded' },
        { origin: 'http://192.168.1.99:8080' }, // another machine's page
      ];
      for (const headers of attempts) {
        const res = await t.app.inject({
          method: 'POST',
          url: stop,
          headers: { host: '192.168.1.10:8080', ...headers },
          ...(headers['content-type'] ? { payload: headers['content-type'] === 'text/plain' ? '{}' : 'a=b' } : {}),
        });
        expect(res.statusCode, `${JSON.stringify(headers)}: ${res.body}`).toBe(403);
        expect(res.json()).toMatchObject({ error_code: 'CROSS_SITE_REQUEST' });
        expect(await holding()).toBe(false);
      }
    });

    it('takes them from its own page (same Origin, or X-Requested-With as the web app sends)', async () => {
      const own = await t.app.inject({
        method: 'POST',
        url: stop,
        headers: { host: '192.168.1.10:8080', origin: 'http://192.168.1.10:8080' },
      });
      expect(own.statusCode, own.body).toBe(200);
      expect(await holding()).toBe(true);
      const app = await t.app.inject({
        method: 'POST',
        url: `${stop}/release`,
        headers: { host: '192.168.1.10:8080', 'x-requested-with': 'croft-web' },
      });
      expect(app.statusCode, app.body).toBe(200);
      const script = await t.app.inject({ method: 'POST', url: stop, payload: { reason: 'test' } }); // JSON body
      expect(script.statusCode, script.body).toBe(200);
      const published = await t.app.inject({
        method: 'POST',
        url: `${stop}/release`,
        headers: { host: 'farm.example.org', origin: 'https://farm.example.org' }, // behind a TLS proxy
      });
      expect(published.statusCode, published.body).toBe(200);
      expect(await holding()).toBe(false);
    });
  });

  it('still lets `croft simulate` register devices and their credentials without a token', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const farms = await t.app.inject({ method: 'GET', url: '/api/v1/farms' });
    const simulation = await startSimulation({
      url,
      token: undefined,
      farm: farms.json().data[0].slug,
      devices: 1,
      intervalS: 60,
      kind: 'house',
      mqttUrl: `mqtt://127.0.0.1:${t.deps.mqtt.status.port}`,
      log: createLogger(testConfig()),
    });
    await simulation.stop();
    expect(simulation.devices).toEqual(['sim-house-001']);
  });

  it('opens a live socket as the local admin without a token (the web app in light mode), and only from its own pages', async () => {
    if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
    const ws = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const farms = await t.app.inject({ method: 'GET', url: '/api/v1/farms' });
    const client = new LiveClient(`${ws}/api/v1/farms/${farms.json().data[0].slug}/live`);
    try {
      await client.opened;
      await client.waitFor(ofType('authenticated'));
      client.send({ type: 'subscribe' });
      await client.waitFor(ofType('subscribed'));
    } finally {
      client.close();
    }
    // Another site's page: refused before the upgrade, as every change from it is.
    const foreign = new LiveClient(`${ws}/api/v1/live`, { origin: 'https://evil.example' });
    await expect(foreign.opened).rejects.toMatchObject({ status: 403 });
  });
});
