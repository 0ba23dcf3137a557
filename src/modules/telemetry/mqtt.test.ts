import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createDeviceWithCredentials,
  login,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { createLogger } from '../../platform/logger.js';
import { startBroker } from '../../platform/mqtt/broker.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let port: number;
const creds: Record<string, { username: string; password: string }> = {};
const clients: MqttClient[] = [];

async function connect(options: { username?: string; password?: string; clientId?: string } = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    ...options,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  clients.push(client);
  return client;
}

const readings = async (device: string, metric: string) => {
  const res = await t.app.inject({
    method: 'GET',
    headers: (await login(t.app, admin.email)).headers,
    url: `/api/v1/farms/${farm.slug}/telemetry?device=${device}&metric=${metric}&from=2026-06-10T00:00:00Z&to=2026-06-11T00:00:00Z&resolution=raw`,
  });
  return res.json().points as { ts: string; value: number }[];
};

beforeAll(async () => {
  t = await createTestApp({ mqtt: true });
  ({ admin, farm } = await setupAdmin(t.app));
  t.clock.set('2026-06-10T12:00:00Z');
  port = t.deps.mqtt.status.port!;
  const me = await login(t.app, admin.email);
  for (const id of ['house1-climate', 'hive-scale-3', 'other-device']) {
    const { username, password } = (await createDeviceWithCredentials(t.app, me, farm, { device_id: id })).credentials;
    creds[id] = { username, password }; // connect() hands these to mqtt.js as its options
  }
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
  await t.close();
});

describe('the embedded broker', () => {
  it('runs on the port it picked, as health says', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(health.json().mqtt).toEqual({ state: 'running', port, external: null });
    expect(port).toBeGreaterThan(0);
  });

  it('acknowledges a QoS 1 message only once its readings are stored', async () => {
    const client = await connect(creds['house1-climate']);
    await client.publishAsync(
      `croft/${farm.slug}/house1-climate/telemetry`,
      JSON.stringify({ ts: '2026-06-10T11:00:00.000Z', readings: { temperature: 27.5, humidity: 70 } }),
      { qos: 1 },
    );
    // No waiting: the PUBACK came after the commit.
    expect(await readings('house1-climate', 'temperature')).toEqual([
      { ts: '2026-06-10T11:00:00.000Z', value: 27.5, quality: 0 },
    ]);
    expect(await readings('house1-climate', 'humidity')).toHaveLength(1);
  });

  it('takes an array of messages, by farm id as well as slug, and stores a resend once', async () => {
    const client = await connect(creds['house1-climate']);
    const payload = JSON.stringify([
      { ts: '2026-06-10T11:01:00Z', readings: { temperature: 27.6 } },
      { ts: '2026-06-10T11:02:00Z', readings: { temperature: 27.7 } },
    ]);
    await client.publishAsync(`croft/${farm.id}/house1-climate/telemetry`, payload, { qos: 1 });
    await client.publishAsync(`croft/${farm.id}/house1-climate/telemetry`, payload, { qos: 1 });
    expect((await readings('house1-climate', 'temperature')).map((p) => p.value)).toEqual([27.5, 27.6, 27.7]);
  });

  it("accepts BeeAPI hive scales unchanged, checking the payload's device_id against the topic", async () => {
    const client = await connect(creds['hive-scale-3']);
    await client.publishAsync(
      'beehive/hive-scale-3/telemetry',
      JSON.stringify({
        device_id: 'hive-scale-3',
        timestamp: '2026-06-10T10:00:00Z',
        temperature: 34.9,
        humidity: 58,
        weight: 42.3,
        sound_level: 61,
      }),
      { qos: 1 },
    );
    expect(await readings('hive-scale-3', 'weight')).toEqual([
      { ts: '2026-06-10T10:00:00.000Z', value: 42.3, quality: 0 },
    ]);
    await client.publishAsync(
      'beehive/hive-scale-3/telemetry',
      JSON.stringify({
        device_id: 'someone-else',
        timestamp: '2026-06-10T10:05:00Z',
        weight: 1,
      }),
      { qos: 1 },
    );
    expect(await readings('hive-scale-3', 'weight')).toHaveLength(1);
  });

  it('acknowledges and counts a malformed message without stopping the others', async () => {
    const client = await connect(creds['house1-climate']);
    await client.publishAsync(`croft/${farm.slug}/house1-climate/telemetry`, 'this is not json', { qos: 1 });
    await client.publishAsync(
      `croft/${farm.slug}/house1-climate/telemetry`,
      JSON.stringify({ ts: '2026-06-10T11:03:00Z', readings: { temperature: 27.8 } }),
      { qos: 1 },
    );
    expect((await readings('house1-climate', 'temperature')).at(-1)?.value).toBe(27.8);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/croft_mqtt_messages_total\{outcome="malformed"\} [1-9]/);
  });

  it('checks a message against its schema first: a wrong shape or more than 10,000 readings is dropped whole, acknowledged and counted', async () => {
    const malformed = async () => {
      const metric = (await t.deps.metrics.registry.getMetricsAsJSON()).find(
        (m) => m.name === 'croft_mqtt_messages_total',
      );
      return metric?.values.find((v) => v.labels.outcome === 'malformed')?.value ?? 0;
    };
    const client = await connect(creds['house1-climate']);
    const topic = `croft/${farm.slug}/house1-climate/telemetry`;
    const before = await malformed();
    const bad = [
      { ts: 1e20, readings: { temperature: 1 } }, // a number where the contract says an RFC 3339 time
      { ts: '2026-06-10T11:04:00Z', readings: { temperature: '27' } }, // a string value
      { ts: '2026-06-10T11:04:00Z', readings: { Temperature: 27 } }, // a metric name the contract refuses
      { ts: '2026-06-10T11:04:00Z', readings: { temperature: 27 }, quality: 7 },
      Array.from({ length: 10_001 }, () => ({ readings: { t: 1 } })), // 200 KB: under the packet limit
      {
        ts: '2026-06-10T11:04:00Z',
        readings: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`m${i}`, i])),
      },
    ];
    for (const body of bad) await client.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    expect(await malformed()).toBe(before + bad.length);
    // Nothing of them was stored, and the device is still connected and heard.
    await client.publishAsync(topic, JSON.stringify({ ts: '2026-06-10T11:04:30Z', readings: { temperature: 27.9 } }), {
      qos: 1,
    });
    const points = await readings('house1-climate', 'temperature');
    expect(points.filter((p) => p.ts.startsWith('2026-06-10T11:04:00'))).toEqual([]);
    expect(points.at(-1)).toMatchObject({ ts: '2026-06-10T11:04:30.000Z', value: 27.9 });
    expect(client.connected).toBe(true);
  });

  it("stores another device's readings of the same group commit when one message is poison, and keeps both connected", async () => {
    const poisoner = await connect(creds['hive-scale-3']);
    const neighbour = await connect(creds['other-device']);
    await Promise.all([
      poisoner.publishAsync(
        `croft/${farm.slug}/hive-scale-3/telemetry`,
        JSON.stringify({ ts: 1e20, readings: { temperature: 1 } }),
        { qos: 1 },
      ),
      neighbour.publishAsync(
        `croft/${farm.slug}/other-device/telemetry`,
        JSON.stringify({ ts: '2026-06-10T11:04:00Z', readings: { temperature: 21.5 } }),
        { qos: 1 },
      ),
      poisoner.publishAsync(`croft/${farm.slug}/hive-scale-3/heartbeat`, JSON.stringify({ uptime_seconds: 1e30 }), {
        qos: 1,
      }),
      poisoner.publishAsync(
        `croft/${farm.slug}/hive-scale-3/heartbeat`,
        JSON.stringify({ signal_strength: 1e300, heap_free: 1e25 }),
        { qos: 1 },
      ),
    ]);
    expect(await readings('other-device', 'temperature')).toEqual([
      { ts: '2026-06-10T11:04:00.000Z', value: 21.5, quality: 0 },
    ]);
    // Both still connected: each can still publish, and is acknowledged.
    await poisoner.publishAsync(
      `croft/${farm.slug}/hive-scale-3/telemetry`,
      JSON.stringify({ ts: '2026-06-10T11:05:00Z', readings: { sound_level: 40 } }),
      { qos: 1 },
    );
    expect(poisoner.connected && neighbour.connected).toBe(true);
    expect((await readings('hive-scale-3', 'sound_level')).at(-1)).toEqual({
      ts: '2026-06-10T11:05:00.000Z',
      value: 40,
      quality: 0,
    });
  });

  it('refuses wrong credentials', async () => {
    await expect(connect({ username: creds['house1-climate']!.username, password: 'wrong' })).rejects.toThrow();
    await expect(connect()).rejects.toThrow();
  });

  it("disconnects a device that publishes on another device's topic, and stores nothing", async () => {
    const client = await connect(creds['other-device']);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(
      `croft/${farm.slug}/house1-climate/telemetry`,
      JSON.stringify({ ts: '2026-06-10T11:30:00Z', readings: { temperature: -50 } }),
      { qos: 1 },
    );
    await closed;
    expect((await readings('house1-climate', 'temperature')).some((p) => p.value === -50)).toBe(false);
  });

  it('lets a device subscribe to its own commands and config only', async () => {
    const client = await connect(creds['house1-climate']);
    const own = await client.subscribeAsync(`croft/${farm.slug}/house1-climate/commands`, { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    // Refused with SUBACK 0x80 (mqtt.js turns it into an error); the connection stays up.
    await expect(client.subscribeAsync(`croft/${farm.slug}/other-device/commands`, { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    expect(client.connected).toBe(true);
  });

  it("refuses a client id held by another device's session; the same credentials may take their own over", async () => {
    // Any client id format is fine (BeeAPI's simulator connects as simulator_{device}).
    const owner = await connect({ ...creds['hive-scale-3'], clientId: 'simulator_hive-scale-3' });
    await owner.subscribeAsync(`croft/${farm.slug}/hive-scale-3/commands`, { qos: 1 });
    await expect(connect({ ...creds['other-device'], clientId: 'simulator_hive-scale-3' })).rejects.toThrow(
      /Not authorized/i,
    );
    expect(owner.connected).toBe(true);
    // The owner still hears what is published for it.
    const heard = new Promise<string>((resolve) => owner.once('message', (topic) => resolve(topic)));
    await t.deps.mqtt.broker!.publish(`croft/${farm.slug}/hive-scale-3/commands`, '{}');
    expect(await heard).toBe(`croft/${farm.slug}/hive-scale-3/commands`);
    // A reconnection with the same credentials replaces the old session, as MQTT has it.
    const ownerGone = new Promise<void>((resolve) => owner.once('close', () => resolve()));
    const again = await connect({ ...creds['hive-scale-3'], clientId: 'simulator_hive-scale-3' });
    await ownerGone;
    expect(again.connected).toBe(true);
  });
});

describe('anonymous devices (CROFT_MQTT_ANONYMOUS)', () => {
  it('are accepted into the named farm; readings of unknown devices are dropped and counted', async () => {
    const other = await createTestApp({
      mqtt: true,
      env: { CROFT_MQTT_ANONYMOUS: 'true', CROFT_MQTT_ANONYMOUS_FARM: 'barn' },
    });
    try {
      const { admin: a, farm: barn } = await setupAdmin(other.app, 'Barn');
      await createDevice(other.app, a, barn, { device_id: 'coop-1', name: 'Coop' });
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${other.deps.mqtt.status.port}`, { reconnectPeriod: 0 });
      await client.publishAsync('croft/barn/coop-1/telemetry', JSON.stringify({ readings: { ammonia: 12 } }), {
        qos: 1,
      });
      await client.publishAsync('croft/barn/stranger/telemetry', JSON.stringify({ readings: { ammonia: 99 } }), {
        qos: 1,
      });
      await client.endAsync();
      const latest = await other.app.inject({
        method: 'GET',
        url: '/api/v1/farms/barn/telemetry/latest?device=coop-1',
        headers: a.headers,
      });
      expect(latest.json().metrics.map((m: { metric: string; value: number }) => [m.metric, m.value])).toEqual([
        ['ammonia', 12],
      ]);
      const metrics = await other.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/croft_mqtt_messages_total\{outcome="dropped"\} 1/);
    } finally {
      await other.close();
    }
  });
});

describe('a taken port', () => {
  it('makes Croft step aside when it is the default, and stop when it was chosen', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
    const hooks = { authenticate: async () => undefined, publish: async () => {}, maySubscribe: () => false };
    const limits = { maxPacketBytes: 256 * 1024, connectionsPerAddress: 100, connectsPerMinute: 100 };
    try {
      const aside = await startBroker({ port: taken, host: '127.0.0.1', stepAsideIfTaken: true, hooks, limits, log });
      expect(aside.status).toEqual({ state: 'port_taken', port: null });
      await expect(
        startBroker({ port: taken, host: '127.0.0.1', stepAsideIfTaken: false, hooks, limits, log }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      squatter.close();
    }
  });
});
