import net from 'node:net';
import { sql } from 'kysely';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createDeviceWithCredentials, login, setupAdmin, type FarmRef } from './helpers/factories.js';

/**
 * A bounded MQTT flood on loopback against the embedded broker: sockets announcing 100 MB packets
 * and sending junk, a burst of connections beyond the per-address limits, and a signed-in device
 * publishing poison (not JSON, the wrong shape, impossible times and values) — while a good device
 * sends its readings at QoS 1. The good device's readings must all be stored, the server must go on
 * serving, and the process's memory before and after is printed (bounded loosely: shared machines).
 */
const GOOD_MESSAGES = 300;
const OVERSIZED = 40;
const BURST = 150;
const POISON_ROUNDS = 60;

let t: TestApp;
let farm: FarmRef;
let port: number;
const creds: Record<string, { username: string; password: string }> = {};
const clients: MqttClient[] = [];

beforeAll(async () => {
  t = await createTestApp({
    mqtt: true,
    env: { CROFT_MQTT_CONNECTIONS_PER_ADDRESS: '60', CROFT_MQTT_CONNECTS_PER_MINUTE: '120' },
  });
  const setup = await setupAdmin(t.app);
  farm = setup.farm;
  t.clock.set('2026-06-10T12:00:00Z');
  port = t.deps.mqtt.status.port!;
  const me = await login(t.app, setup.admin.email);
  for (const id of ['good-sensor', 'poisoner']) {
    const { username, password } = (await createDeviceWithCredentials(t.app, me, farm, { device_id: id })).credentials;
    creds[id] = { username, password };
  }
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
  await t.close();
});

async function connect(device: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    ...creds[device],
    clientId: `flood-${device}`,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  clients.push(client);
  return client;
}

/** A socket announcing a 100 MB PUBLISH and pouring junk after it until the server closes it. */
function oversized(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('close', () => resolve());
    socket.on('connect', () => {
      // 100 MB = 104,857,600 as an MQTT remaining length: 0x80 0x80 0x80 0x32.
      socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x32]));
      const junk = Buffer.alloc(64 * 1024, 0x41);
      const pour = () => {
        while (!socket.destroyed && socket.write(junk));
        if (!socket.destroyed) socket.once('drain', pour);
      };
      pour();
    });
  });
}

/** Opens a socket and keeps it (idle, never sending CONNECT) until the end of the flood. */
function burstSocket(): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('connect', () => resolve(socket));
    socket.on('close', () => resolve(socket));
  });
}

const POISON: Array<string | Buffer> = [
  'not json at all',
  JSON.stringify({ ts: 1e20, readings: { temperature: 1 } }),
  JSON.stringify({ ts: '+275760-09-13T00:00:00Z', readings: { temperature: 1 } }),
  JSON.stringify({ ts: '2026-06-10T11:00:00Z', readings: { temperature: 1e300 } }),
  JSON.stringify({ ts: '1970-01-01T00:00:00Z', readings: { temperature: 1 } }),
  JSON.stringify({ readings: { 'DROP TABLE': 1 } }),
  JSON.stringify([{ readings: null }]),
  Buffer.from([0xff, 0xfe, 0x00, 0x01]),
];

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

describe('an MQTT flood on loopback', () => {
  it('leaves the server serving and every reading of the good device stored', async () => {
    global.gc?.();
    const before = process.memoryUsage();
    const good = await connect('good-sensor');
    const poisoner = await connect('poisoner');

    const sendGood = (async () => {
      for (let i = 0; i < GOOD_MESSAGES; i++) {
        const ts = new Date(Date.UTC(2026, 5, 10, 6, 0, i)).toISOString();
        await good.publishAsync(
          `croft/${farm.slug}/good-sensor/telemetry`,
          JSON.stringify({ ts, readings: { temperature: 20 + (i % 10) / 10 } }),
          { qos: 1 },
        );
      }
    })();
    const sendPoison = (async () => {
      for (let i = 0; i < POISON_ROUNDS; i++) {
        for (const payload of POISON) {
          if (!poisoner.connected) return;
          await poisoner.publishAsync(`croft/${farm.slug}/poisoner/telemetry`, payload, { qos: 1 });
        }
      }
    })();
    const floodOversized = Promise.all(Array.from({ length: OVERSIZED }, () => oversized()));
    const burst = await Promise.all(Array.from({ length: BURST }, () => burstSocket()));

    await Promise.all([sendGood, sendPoison, floodOversized]);
    const refusedByLimits = burst.filter((s) => s.destroyed).length;
    for (const socket of burst) socket.destroy();

    const { rows } = await t.deps.db.system((tx) =>
      sql<{ n: string }>`
        select count(*) as n from readings r join series s on s.id = r.series_id
        join devices d on d.id = s.device_id where d.device_id = 'good-sensor'`.execute(tx),
    );
    expect(Number(rows[0]!.n)).toBe(GOOD_MESSAGES);
    // The poisoner was never disconnected for its poison: each message was acknowledged and counted.
    expect(poisoner.connected).toBe(true);
    expect(refusedByLimits).toBeGreaterThan(0);
    const health = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json().mqtt.state).toBe('running');

    global.gc?.();
    const after = process.memoryUsage();
    console.log(
      `MQTT flood: ${OVERSIZED} sockets announcing 100 MB, ${BURST} burst connections (${refusedByLimits} refused), ` +
        `${POISON_ROUNDS * POISON.length} poison messages, ${GOOD_MESSAGES} good readings stored. ` +
        `Memory: rss ${mb(before.rss)} → ${mb(after.rss)}, heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}`,
    );
    // Loose: nothing of the announced 4 GB was held (without the guard Aedes buffers what arrives).
    expect(after.rss - before.rss).toBeLessThan(512 * 1024 * 1024);
  });
});
