import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/database.js';
import { PASSWORD } from './helpers/factories.js';
import { LiveClient, ofType } from './helpers/live.js';
import { spawnCroft, type CroftProcess } from './helpers/process.js';

/**
 * Several instances, as in production: two `croft serve` and one `croft worker` on PostgreSQL,
 * Redis and Mosquitto (all running on this machine; .ci/run starts them). PostgreSQL only: the
 * embedded database belongs to one process.
 */
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const run = randomBytes(4).toString('hex');
const RATE_LIMIT = 12;

describe.skipIf(testBackend() !== 'postgres')('several instances with Redis and an external broker', () => {
  let database: TestDatabase;
  const processes: CroftProcess[] = [];
  let a: string;
  let b: string;
  let token: string;
  let farm: string;
  let device: { username: string; password: string };

  const start = (args: string[], name: string) => {
    const p = spawnCroft('src/main.ts', args, {
      DATABASE_URL: database.url!,
      REDIS_URL: REDIS,
      MQTT_URL: BROKER,
      CROFT_MQTT_SHARE_GROUP: `scale-${run}`,
      CROFT_MQTT_CLIENT_ID: `scale-${run}-${name}`,
      CROFT_MQTT_CLIENT_CONNECTIONS: '2',
      CROFT_MQTT_SESSION_EXPIRY_S: '60',
      CROFT_JOBS: 'off',
      CROFT_AUTH_RATE_LIMIT: String(RATE_LIMIT),
      CROFT_LOG_LEVEL: 'info',
    });
    processes.push(p);
    return p;
  };
  const api = async (base: string, method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : null,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    // The worker migrates nothing new (the test database is migrated) and runs the jobs.
    const worker = start(['worker'], 'worker');
    [a, b] = await Promise.all([start(['serve'], 'a').url(), start(['serve'], 'b').url()]);
    const deadline = Date.now() + 60_000;
    while (!worker.output().includes('worker is running jobs')) {
      if (Date.now() > deadline || worker.child.exitCode !== null)
        throw new Error(`worker did not start:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const setup = await api(
      a,
      'POST',
      '/api/v1/auth/setup',
      {
        email: `admin-${run}@example.org`,
        password: PASSWORD,
        name: 'Ada',
        farm: { name: 'Scale Farm', timezone: 'Europe/Berlin' },
      },
      false,
    );
    expect(setup.status, JSON.stringify(setup.body)).toBe(201);
    token = setup.body.access_token as string;
    farm = (setup.body.farm as { slug: string }).slug;
    expect(
      (await api(a, 'POST', `/api/v1/farms/${farm}/devices`, { device_id: 'house-1', name: 'House 1', type: 'sensor' }))
        .status,
    ).toBe(201);
    device = (await api(a, 'POST', `/api/v1/farms/${farm}/devices/house-1/credentials`)).body as typeof device;
  }, 120_000);

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await database?.close();
  }, 30_000);

  it('say in health that events go through Redis and MQTT through the broker', async () => {
    for (const base of [a, b]) {
      const health = (await api(base, 'GET', '/api/v1/health', undefined, false)).body;
      expect(health).toMatchObject({ live: 'redis', mqtt: { state: 'off', external: { state: 'connected' } } });
    }
  });

  it('deliver a reading ingested through one instance to a live client of the other', async () => {
    const client = new LiveClient(`${b.replace('http', 'ws')}/api/v1/farms/${farm}/live`);
    try {
      await client.opened;
      client.send({ type: 'auth', token });
      await client.waitFor(ofType('authenticated'));
      client.send({ type: 'subscribe', devices: ['house-1'] });
      await client.waitFor(ofType('subscribed'));

      const now = Date.now();
      const ingest = await api(a, 'POST', `/api/v1/farms/${farm}/telemetry`, {
        readings: [{ device: 'house-1', metric: 'temperature', ts: new Date(now - 1000).toISOString(), value: 23.5 }],
      });
      expect(ingest.body).toMatchObject({ accepted: 1 });
      const [http] = await client.waitFor((m) => m.type === 'reading' && m.value === 23.5, 1, 10_000);
      expect(http).toMatchObject({ device: 'house-1', metric: 'temperature' });

      // And one a device sends to Mosquitto, stored by whichever instance the shared subscription picks.
      const hardware = await mqtt.connectAsync(BROKER, {
        clientId: `house-1-${run}`,
        username: device.username,
        password: device.password,
        reconnectPeriod: 0,
      });
      await hardware.publishAsync(
        `croft/${farm}/house-1/telemetry`,
        JSON.stringify({ ts: new Date(now).toISOString(), readings: { humidity: 64 } }),
        { qos: 1 },
      );
      await hardware.endAsync();
      await client.waitFor((m) => m.type === 'reading' && m.metric === 'humidity' && m.value === 64, 1, 10_000);
      expect(client.invalid).toEqual([]);
    } finally {
      client.close();
    }
  }, 30_000);

  it('share the sign-in rate limit through Redis', async () => {
    const hits = { [a]: 0, [b]: 0 };
    let limitedAt = 0;
    for (let i = 0; i < 2 * RATE_LIMIT + 2 && !limitedAt; i++) {
      const base = i % 2 === 0 ? a : b;
      hits[base]!++;
      const res = await api(
        base,
        'POST',
        '/api/v1/auth/login',
        { email: `nobody-${i}-${run}@example.org`, password: 'wrong password here' },
        false,
      );
      if (res.status === 429) limitedAt = i + 1;
    }
    expect(limitedAt, 'refused once both instances together reached the limit').toBeGreaterThan(0);
    // Counted apart, each instance would only refuse past RATE_LIMIT requests of its own.
    expect(Math.max(hits[a]!, hits[b]!)).toBeLessThan(RATE_LIMIT - 1);
  }, 30_000);
});
