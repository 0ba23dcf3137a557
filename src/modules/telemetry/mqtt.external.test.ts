import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import { createDevice, login, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';

/** Mosquitto runs on this machine (and .ci/run starts it): Croft is its client here. */
const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const run = randomBytes(4).toString('hex');

let database: TestDatabase;
let closed = false;
let a: TestApp;
let b: TestApp;
let admin: Actor;
let farm: FarmRef;
const publishers: MqttClient[] = [];

const instance = (name: string, extra: Record<string, string> = {}) =>
  createTestApp({
    database,
    now: '2026-06-10T12:00:00Z',
    env: {
      MQTT_URL: BROKER,
      CROFT_MQTT_CLIENT_ID: `croft-test-${run}-${name}`,
      CROFT_MQTT_SHARE_GROUP: `croft-test-${run}`,
      CROFT_MQTT_CLIENT_CONNECTIONS: '4',
      CROFT_MQTT_SESSION_EXPIRY_S: '300',
      ...extra,
    },
  });

const stored = async (t: TestApp, device: string, metric: string) => {
  const res = await t.app.inject({
    method: 'GET',
    headers: admin.headers,
    url: `/api/v1/farms/${farm.slug}/telemetry?device=${device}&metric=${metric}&from=2026-06-10T00:00:00Z&to=2026-06-11T00:00:00Z&resolution=raw`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().points as { ts: string; value: number }[];
};
const handled = async (t: TestApp) => {
  const metric = (await t.deps.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'croft_mqtt_messages_total');
  return (metric?.values ?? []).filter((v) => v.labels.outcome === 'stored').reduce((n, v) => n + v.value, 0);
};
const publisher = async () => {
  const client = await mqtt.connectAsync(BROKER, {
    clientId: `device-${run}-${publishers.length}`,
    reconnectPeriod: 0,
  });
  publishers.push(client);
  return client;
};
const message = (minute: number, value: number) =>
  JSON.stringify({
    ts: new Date(Date.parse('2026-06-10T06:00:00Z') + minute * 60_000).toISOString(),
    readings: { temperature: value },
  });

beforeAll(async () => {
  database = await createTestDatabase();
  a = await instance('a');
  ({ admin, farm } = await setupAdmin(a.app));
  b = await instance('b');
  admin = await login(a.app, admin.email);
  for (const id of ['house-7', 'hive-scale-9']) await createDevice(a.app, admin, farm, { device_id: id });
}, 60_000);

afterAll(async () => {
  for (const p of publishers) await p.endAsync().catch(() => {});
  if (!closed) {
    await b?.close().catch(() => {});
    await a?.close().catch(() => {});
  }
  await database?.close();
}, 30_000);

describe('external broker (MQTT_URL)', () => {
  it('says in health that Croft is a client of the broker, and runs no embedded broker', async () => {
    const health = (await a.app.inject({ method: 'GET', url: '/api/v1/health' })).json();
    expect(health.mqtt).toMatchObject({ external: { state: 'connected', connections: 4 } });
    expect(a.deps.mqtt.broker).toBeUndefined();
  });

  it('stores each message once while two instances share the subscription', async () => {
    const device = await publisher();
    for (let i = 0; i < 200; i++)
      await device.publishAsync(`croft/${farm.slug}/house-7/telemetry`, message(i, i), { qos: 1 });
    await waitFor(async () => (await stored(a, 'house-7', 'temperature')).length === 200, 20_000);
    const [byA, byB] = [await handled(a), await handled(b)];
    expect(byA + byB).toBe(200);
    expect(byA, 'instance a took a share').toBeGreaterThan(0);
    expect(byB, 'instance b took a share').toBeGreaterThan(0);
  });

  it('takes the BeeAPI topic unchanged, the farm found from the device label', async () => {
    const scale = await publisher();
    await scale.publishAsync(
      'beehive/hive-scale-9/telemetry',
      JSON.stringify({ device_id: 'hive-scale-9', timestamp: '2026-06-10T07:00:00Z', weight: 45.2 }),
      { qos: 1 },
    );
    await waitFor(async () => (await stored(a, 'hive-scale-9', 'weight')).length === 1, 10_000);
  });

  it('acknowledges only stored messages: a message whose storing fails comes again and is stored', async () => {
    let failures = 0;
    const restore = [a, b].map((t) => {
      const { telemetry } = t.deps.services;
      const ingest = telemetry.ingest.bind(telemetry);
      telemetry.ingest = async (...args) => {
        if (failures < 2) {
          failures++;
          throw new Error('database briefly unavailable');
        }
        return ingest(...args);
      };
      return () => void (telemetry.ingest = ingest);
    });
    try {
      const device = await publisher();
      await device.publishAsync(`croft/${farm.slug}/house-7/telemetry`, message(250, 4242), { qos: 1 });
      await waitFor(async () => (await stored(a, 'house-7', 'temperature')).some((p) => p.value === 4242), 20_000);
      expect(failures).toBe(2);
    } finally {
      for (const r of restore) r();
    }
  }, 30_000);

  it('picks up what was sent while it was stopped (persistent session)', async () => {
    const group = { CROFT_MQTT_SHARE_GROUP: `croft-test-${run}-c` };
    await (await instance('c', group)).close();
    await b.close();
    await a.close();
    closed = true;
    const device = await publisher();
    for (let i = 0; i < 20; i++)
      await device.publishAsync(`croft/${farm.slug}/house-7/telemetry`, message(300 + i, 1000 + i), { qos: 1 });
    // No Croft runs now; c's sessions hold the 20 messages and hand them over when it is back.
    const again = await instance('c', group);
    try {
      await waitFor(
        async () =>
          (await stored(again, 'house-7', 'temperature')).filter((p) => p.value >= 1000 && p.value < 1020).length ===
          20,
        20_000,
      );
    } finally {
      await again.close();
    }
  }, 60_000);
});
