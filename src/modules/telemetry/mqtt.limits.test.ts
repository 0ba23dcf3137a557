import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createDeviceWithCredentials, login, setupAdmin, type FarmRef } from '../../../test/helpers/factories.js';

/**
 * What one device or one address may take of the embedded broker, and the listeners it serves on:
 * plain TCP, TLS (with a certificate made here by openssl) and WebSocket on the HTTP port.
 */

const MAX_PACKET = 16 * 1024;
const PER_ADDRESS = 6;

let t: TestApp;
let farm: FarmRef;
let port: number;
let httpPort: number;
let certDir: string;
const creds: Record<string, { username: string; password: string }> = {};
const clients: MqttClient[] = [];

async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  clients.push(client);
  return client;
}

/** A raw TCP connection, and a promise that settles when the server closes it. */
async function rawSocket(): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

async function refusals(reason: string): Promise<number> {
  const metric = (await t.deps.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'croft_mqtt_refused_total');
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function stored(device: string): Promise<number> {
  const { rows } = await t.deps.db.system((tx) =>
    sql<{ n: string }>`
      select count(*) as n from readings r
      join series s on s.id = r.series_id join devices d on d.id = s.device_id
      where d.device_id = ${device}`.execute(tx),
  );
  return Number(rows[0]?.n ?? 0);
}

beforeAll(async () => {
  certDir = mkdtempSync(path.join(os.tmpdir(), 'croft-mqtt-tls-'));
  // A self-signed certificate for 127.0.0.1, as the README shows a farm making one.
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=croft-test',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    path.join(certDir, 'key.pem'),
    '-out',
    path.join(certDir, 'cert.pem'),
  ]);
  t = await createTestApp({
    mqtt: true,
    env: {
      CROFT_MQTT_MAX_PACKET: `${MAX_PACKET}`,
      CROFT_MQTT_CONNECTIONS_PER_ADDRESS: `${PER_ADDRESS}`,
      CROFT_MQTT_TLS_CERT: path.join(certDir, 'cert.pem'),
      CROFT_MQTT_TLS_KEY: path.join(certDir, 'key.pem'),
      CROFT_MQTT_TLS_PORT: '0',
    },
  });
  const setup = await setupAdmin(t.app);
  farm = setup.farm;
  t.clock.set('2026-06-10T12:00:00Z');
  port = t.deps.mqtt.status.port!;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  httpPort = (t.app.server.address() as net.AddressInfo).port;
  const me = await login(t.app, setup.admin.email);
  for (const id of ['big-talker', 'steady', 'tls-sensor', 'ws-gateway']) {
    const { username, password } = (await createDeviceWithCredentials(t.app, me, farm, { device_id: id })).credentials;
    creds[id] = { username, password };
  }
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
  await t.close();
  rmSync(certDir, { recursive: true, force: true });
});

const telemetry = (device: string, value: number) =>
  JSON.stringify({ ts: '2026-06-10T11:00:00Z', readings: { temperature: value } });

describe('the packet-size limit', () => {
  it('closes a connection whose first packet announces 256 MB, before holding any of it', async () => {
    const { socket, closed } = await rawSocket();
    // CONNECT, remaining length 268,435,455 (the largest MQTT can say), and no more bytes.
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    expect(await within(closed, 3_000)).toBe(true);
    expect(await refusals('packet_too_large')).toBeGreaterThanOrEqual(1);
  });

  it('disconnects a device publishing more than the limit, stores none of it, and goes on serving others', async () => {
    const steady = await connect(`mqtt://127.0.0.1:${port}`, creds.steady!);
    const big = await connect(`mqtt://127.0.0.1:${port}`, creds['big-talker']!);
    const gone = new Promise<void>((resolve) => big.once('close', () => resolve()));
    const padding = 'x'.repeat(MAX_PACKET);
    big
      .publishAsync(
        `croft/${farm.slug}/big-talker/telemetry`,
        JSON.stringify({ ts: '2026-06-10T11:00:00Z', readings: { temperature: 1 }, padding }),
        { qos: 1 },
      )
      .catch(() => {});
    expect(await within(gone, 3_000)).toBe(true);
    await steady.publishAsync(`croft/${farm.slug}/steady/telemetry`, telemetry('steady', 20), { qos: 1 });
    expect(await stored('big-talker')).toBe(0);
    expect(await stored('steady')).toBe(1);
  });
});

describe('the retain flag on device messages', () => {
  it('is cleared and counted: the message is stored, not kept in the broker for later subscribers', async () => {
    const before = await refusals('retain_cleared');
    const steady = await connect(`mqtt://127.0.0.1:${port}`, { ...creds.steady!, clientId: 'steady-retain' });
    await steady.publishAsync(
      `croft/${farm.slug}/steady/telemetry`,
      JSON.stringify({ ts: '2026-06-10T11:05:00Z', readings: { temperature: 21 } }),
      { qos: 1, retain: true },
    );
    expect(await refusals('retain_cleared')).toBe(before + 1);
    expect(await stored('steady')).toBe(2);
    // A subscriber arriving afterwards (the device itself, on its commands topic) gets nothing retained.
    const retained: string[] = [];
    steady.on('message', (topic) => retained.push(topic));
    await steady.subscribeAsync(`croft/${farm.slug}/steady/#`, { qos: 1 }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(retained.filter((topic) => topic.endsWith('/telemetry'))).toEqual([]);
    await steady.endAsync();
  });
});

describe('connections per address', () => {
  it(`holds at most ${PER_ADDRESS} open from one address; a closed one frees its place`, async () => {
    // Whatever is still open from earlier tests counts too: fill up to the cap with idle sockets.
    const open: Array<{ socket: net.Socket; closed: Promise<void> }> = [];
    const before = await refusals('connections_per_address');
    let refused: Promise<void> | undefined;
    for (let i = 0; i < PER_ADDRESS + 1 && refused === undefined; i++) {
      const next = await rawSocket();
      if (await within(next.closed, 150)) refused = next.closed;
      else open.push(next);
    }
    expect(refused).toBeDefined();
    expect(await refusals('connections_per_address')).toBe(before + 1);
    // Free one place: a new connection is served again.
    open.pop()!.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await rawSocket();
    expect(await within(again.closed, 300)).toBe(false);
    for (const s of [...open, again]) s.socket.destroy();
    await Promise.all([...open, again].map((s) => s.closed));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server sees them close too
  });
});

describe('MQTT over TLS', () => {
  it('serves a device that pins the farm’s certificate, with the same sign-in and acknowledge-after-commit', async () => {
    const tlsPort = t.deps.mqtt.broker!.tlsPort!;
    expect(tlsPort).toBeGreaterThan(0);
    const ca = readFileSync(path.join(certDir, 'cert.pem'));
    const device = await connect(`mqtts://127.0.0.1:${tlsPort}`, { ...creds['tls-sensor']!, ca });
    await device.publishAsync(`croft/${farm.slug}/tls-sensor/telemetry`, telemetry('tls-sensor', 19), { qos: 1 });
    expect(await stored('tls-sensor')).toBe(1);
    await device.endAsync();
    // Wrong password: refused as on the plain port.
    await expect(
      connect(`mqtts://127.0.0.1:${tlsPort}`, { username: creds['tls-sensor']!.username, password: 'wrong', ca }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('refuses a client that does not trust the certificate (no plaintext fallback)', async () => {
    const tlsPort = t.deps.mqtt.broker!.tlsPort!;
    await expect(connect(`mqtts://127.0.0.1:${tlsPort}`, { ...creds['tls-sensor']! })).rejects.toThrow(
      /self[- ]signed|certificate/i,
    );
  });
});

describe('MQTT over WebSocket on the HTTP port', () => {
  it('serves a gateway at /mqtt with the same sign-in, ACL and acknowledge-after-commit', async () => {
    const gateway = await connect(`ws://127.0.0.1:${httpPort}/mqtt`, creds['ws-gateway']!);
    await gateway.publishAsync(`croft/${farm.slug}/ws-gateway/telemetry`, telemetry('ws-gateway', 23), { qos: 1 });
    expect(await stored('ws-gateway')).toBe(1);
    // Another device's topic is refused as on TCP (the connection is dropped, nothing stored).
    const dropped = new Promise<void>((resolve) => gateway.once('close', () => resolve()));
    gateway.publishAsync(`croft/${farm.slug}/steady/telemetry`, telemetry('steady', 99), { qos: 1 }).catch(() => {});
    expect(await within(dropped, 3_000)).toBe(true);
    expect(await stored('steady')).toBe(2);
  });

  it('closes a WebSocket connection announcing a packet above the limit', async () => {
    const gateway = await connect(`ws://127.0.0.1:${httpPort}/mqtt`, creds['ws-gateway']!);
    const gone = new Promise<void>((resolve) => gateway.once('close', () => resolve()));
    gateway
      .publishAsync(`croft/${farm.slug}/ws-gateway/telemetry`, 'x'.repeat(MAX_PACKET + 1), { qos: 1 })
      .catch(() => {});
    expect(await within(gone, 3_000)).toBe(true);
    expect(await stored('ws-gateway')).toBe(1);
  });
});

describe('connect attempts per address', () => {
  it('are limited per minute: a burst beyond the limit is closed at once', async () => {
    const burst = await createTestApp({ mqtt: true, env: { CROFT_MQTT_CONNECTS_PER_MINUTE: '5' } });
    try {
      const burstPort = burst.deps.mqtt.status.port!;
      // One attempt after another, each connected before the next: the first five pass the gate, the
      // three after them are closed by it. Waited for as long as it takes (no time window: a loaded
      // machine only delays the close), then the first five are still open.
      const sockets: net.Socket[] = [];
      const closedYet: boolean[] = [];
      const closes: Promise<void>[] = [];
      for (let i = 0; i < 8; i++) {
        const socket = net.connect(burstPort, '127.0.0.1');
        socket.on('error', () => {});
        sockets.push(socket);
        closedYet.push(false);
        closes.push(new Promise<void>((resolve) => socket.once('close', () => ((closedYet[i] = true), resolve()))));
        await new Promise<void>((resolve) => {
          socket.once('connect', () => resolve());
          socket.once('close', () => resolve());
        });
      }
      await Promise.all(closes.slice(5));
      expect(closedYet).toEqual([false, false, false, false, false, true, true, true]);
      for (const socket of sockets) socket.destroy();
    } finally {
      await burst.close();
    }
  });
});
