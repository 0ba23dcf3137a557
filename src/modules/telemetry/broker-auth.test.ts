import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createDeviceWithCredentials, setupAdmin } from '../../../test/helpers/factories.js';

let t: TestApp;
let farmSlug: string;
let device: { username: string; password: string };
let other: { username: string; password: string };
const SERVICE = { username: 'croft-service', password: 's3rvice-secret' };
const TOKEN = 'broker-token-0123456789';

const post = (path: string, payload: Record<string, unknown>, token: string | null = TOKEN) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/broker/${path}`,
    payload,
    headers: token ? { 'x-broker-token': token } : {},
  });

beforeAll(async () => {
  // Mosquitto here accepts any client; what matters is that Croft knows the user in MQTT_URL as its own.
  const broker = new URL(process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883');
  broker.username = SERVICE.username;
  broker.password = SERVICE.password;
  t = await createTestApp({
    env: {
      MQTT_URL: broker.toString(),
      CROFT_MQTT_CLIENT_ID: `croft-auth-test-${process.pid}`,
      CROFT_MQTT_CLIENT_CONNECTIONS: '1',
      CROFT_MQTT_SESSION_EXPIRY_S: '0',
      CROFT_BROKER_AUTH_TOKEN: TOKEN,
    },
  });
  const { admin, farm } = await setupAdmin(t.app);
  farmSlug = farm.slug;
  const creds = async (id: string) =>
    (await createDeviceWithCredentials(t.app, admin, farm, { device_id: id })).credentials;
  device = await creds('fan-ctrl');
  other = await creds('scale-2');
});

afterAll(() => t.close());

describe('EMQX HTTP authentication and authorization', () => {
  it('allows a device with its own credentials, and Croft’s own client as superuser', async () => {
    expect((await post('emqx/authenticate', { username: device.username, password: device.password })).json()).toEqual({
      result: 'allow',
      is_superuser: false,
    });
    expect((await post('emqx/authenticate', { username: device.username, password: 'guess' })).json()).toEqual({
      result: 'deny',
      is_superuser: false,
    });
    expect((await post('emqx/authenticate', SERVICE)).json()).toEqual({ result: 'allow', is_superuser: true });
    expect((await post('emqx/authenticate', { ...SERVICE, password: 'wrong' })).json().result).toBe('deny');
  });

  it('lets a device use only its own topics, in the right direction', async () => {
    const may = async (topic: string, action: string, who = device) =>
      (await post('emqx/authorize', { username: who.username, topic, action })).json().result;
    expect(await may(`croft/${farmSlug}/fan-ctrl/telemetry`, 'publish')).toBe('allow');
    expect(await may(`croft/${farmSlug}/fan-ctrl/commands/ack`, 'publish')).toBe('allow');
    expect(await may(`croft/${farmSlug}/fan-ctrl/commands`, 'subscribe')).toBe('allow');
    expect(await may(`croft/${farmSlug}/fan-ctrl/config`, 'subscribe')).toBe('allow');
    expect(await may('beehive/fan-ctrl/telemetry', 'publish')).toBe('allow');
    expect(await may(`croft/${farmSlug}/scale-2/telemetry`, 'publish')).toBe('deny');
    expect(await may(`croft/${farmSlug}/fan-ctrl/commands`, 'publish')).toBe('deny');
    expect(await may(`croft/${farmSlug}/+/commands`, 'subscribe')).toBe('deny');
    expect(await may(`croft/other-farm/fan-ctrl/telemetry`, 'publish')).toBe('deny');
    expect(await may('beehive/scale-2/telemetry', 'publish', other)).toBe('allow');
    expect(await may('#', 'subscribe', { username: 'nobody', password: '' })).toBe('deny');
  });

  it('refuses a broker without the configured token', async () => {
    const res = await post('emqx/authenticate', { username: device.username, password: device.password }, null);
    expect(res.statusCode).toBe(401);
    expect(res.json().error_code).toBe('UNAUTHENTICATED');
  });
});

describe('mosquitto-go-auth HTTP backend', () => {
  it('answers 200 or 403 for user, superuser and acl', async () => {
    expect(
      (await post('go-auth/user', { username: device.username, password: device.password, clientid: 'x' })).statusCode,
    ).toBe(200);
    expect(
      (await post('go-auth/user', { username: device.username, password: 'nope', clientid: 'x' })).statusCode,
    ).toBe(403);
    expect((await post('go-auth/superuser', { username: SERVICE.username })).statusCode).toBe(200);
    expect((await post('go-auth/superuser', { username: device.username })).statusCode).toBe(403);
    const acl = async (topic: string, acc: number) =>
      (await post('go-auth/acl', { username: device.username, topic, acc, clientid: 'x' })).statusCode;
    expect(await acl(`croft/${farmSlug}/fan-ctrl/telemetry`, 2)).toBe(200);
    expect(await acl(`croft/${farmSlug}/fan-ctrl/commands`, 4)).toBe(200);
    expect(await acl(`croft/${farmSlug}/fan-ctrl/commands`, 1)).toBe(200);
    expect(await acl(`croft/${farmSlug}/fan-ctrl/commands`, 3)).toBe(403);
    expect(await acl(`croft/${farmSlug}/scale-2/telemetry`, 2)).toBe(403);
  });
});

describe('exposure', () => {
  it("keeps the broker superuser's name (and password) out of public health", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.json().mqtt.external.url).toEqual(expect.stringMatching(/^mqtt:\/\/[^@]+$/));
    expect(res.body).not.toContain(SERVICE.username);
    expect(res.body).not.toContain(SERVICE.password);
  });

  it('mounts the broker endpoints only when an external broker is configured', async () => {
    const without = await createTestApp();
    try {
      for (const path of ['emqx/authenticate', 'emqx/authorize', 'go-auth/user', 'go-auth/superuser', 'go-auth/acl']) {
        const res = await without.app.inject({
          method: 'POST',
          url: `/api/v1/broker/${path}`,
          payload: { username: SERVICE.username, password: SERVICE.password, topic: '#', acc: 1, action: 'publish' },
        });
        expect(res.statusCode, path).toBe(404);
      }
      const doc = (await without.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/broker/'))).toEqual([]);
      const withBroker = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect(Object.keys(withBroker.paths).filter((p) => p.startsWith('/api/v1/broker/')).length).toBe(5);
    } finally {
      await without.close();
    }
  });
});
