/**
 * Nothing acknowledged is lost: `croft serve` is killed with SIGKILL again and again while readings
 * stream in over HTTP and MQTT (QoS 1); after each restart every acknowledged reading is stored, once.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/database.js';
import { PASSWORD } from './helpers/factories.js';
import { spawnCroft, type CroftProcess } from './helpers/process.js';

const ROUNDS = 3;
const PER_ROUND = 600; // acknowledged readings per channel before the kill
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-crash-'));
const started: CroftProcess[] = [];
let database: TestDatabase | undefined;

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  await database?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function api(url: string, method: string, body?: unknown, token?: string) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('telemetry under kill -9', () => {
  it(`keeps every acknowledged HTTP and MQTT reading through ${ROUNDS} crashes, none twice`, async () => {
    const env: Record<string, string> = {
      CROFT_DATA_DIR: dataDir,
      CROFT_MQTT_PORT: String(await freePort()),
      CROFT_JOBS: 'off',
    };
    if (testBackend() === 'postgres') {
      database = await createTestDatabase();
      env.DATABASE_URL = database.url!;
    }
    const start = () => {
      const p = spawnCroft('src/main.ts', [], env);
      started.push(p);
      return p;
    };

    let server = start();
    let url = await server.url();
    const setup = await api(`${url}/api/v1/auth/setup`, 'POST', {
      email: 'crash@example.org',
      password: PASSWORD,
      name: 'Crash',
      farm: { name: 'Crash Farm', timezone: 'UTC' },
    });
    expect(setup.status).toBe(201);
    const token = setup.body.access_token as string;
    for (const device of ['http-1', 'mqtt-1']) {
      expect(
        (
          await api(
            `${url}/api/v1/farms/crash-farm/devices`,
            'POST',
            { device_id: device, name: device, type: 'sensor' },
            token,
          )
        ).status,
      ).toBe(201);
    }
    const issued = await api(`${url}/api/v1/farms/crash-farm/devices/mqtt-1/credentials`, 'POST', undefined, token);
    expect(issued.status).toBe(201);
    const creds = issued.body as { username: string; password: string };
    const base = Date.now() - 60_000;
    const acked = { http: new Set<number>(), mqtt: new Set<number>() };
    let next = 0;

    for (let round = 0; round < ROUNDS; round++) {
      let killed = false;
      const kill = () => {
        if (killed) return;
        killed = true;
        server.child.kill('SIGKILL');
      };
      const enough = () => acked.http.size >= (round + 1) * PER_ROUND && acked.mqtt.size >= (round + 1) * PER_ROUND;

      const httpLoop = async () => {
        while (!killed) {
          const stamps = Array.from({ length: 25 }, () => base + next++);
          try {
            const res = await fetch(`${url}/api/v1/farms/crash-farm/telemetry`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({
                readings: stamps.map((ts) => ({ device: 'http-1', metric: 'temperature', ts, value: ts % 1000 })),
              }),
            });
            if (res.status === 200 && ((await res.json()) as { accepted: number }).accepted === stamps.length)
              stamps.forEach((s) => acked.http.add(s));
          } catch {
            return;
          }
          if (enough()) kill();
        }
      };
      const mqttLoop = async () => {
        const port = Number(env.CROFT_MQTT_PORT);
        const client = await mqtt
          .connectAsync(`mqtt://127.0.0.1:${port}`, {
            username: creds.username,
            password: creds.password,
            reconnectPeriod: 0,
          })
          .catch((error: unknown) => {
            throw new Error(`round ${round}: ${String(error)}\n${server.output().slice(-2000)}`);
          });
        const errors: string[] = [];
        client.on('error', (error) => errors.push(String(error)));
        const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
        const publishOne = async () => {
          const ts = base + next++;
          await client.publishAsync(
            `croft/crash-farm/mqtt-1/telemetry`,
            JSON.stringify({ ts: new Date(ts).toISOString(), readings: { humidity: ts % 100 } }),
            { qos: 1 },
          );
          acked.mqtt.add(ts);
        };
        while (!killed) {
          // Eight messages in flight at a time.
          const sent = Promise.allSettled(Array.from({ length: 8 }, publishOne));
          const outcome = await Promise.race([sent.then(() => 'sent'), gone.then(() => 'gone')]);
          if (outcome === 'gone') {
            // Only the kill may end the connection: a server that refuses a message while up failed to store it.
            if (!killed) {
              await new Promise((resolve) => setTimeout(resolve, 1000)); // its log lines
              if (!killed)
                throw new Error(
                  `round ${round}: the server dropped the MQTT connection (${errors.join('; ')})\n${server.output().slice(-6000)}`,
                );
            }
            break;
          }
          if (enough()) kill();
        }
        client.end(true);
      };
      await Promise.all([httpLoop(), mqttLoop()]);
      await server.exited;

      server = start();
      url = await server.url();
      for (const [device, metric, expected] of [
        ['http-1', 'temperature', acked.http],
        ['mqtt-1', 'humidity', acked.mqtt],
      ] as const) {
        const res = await api(
          `${url}/api/v1/farms/crash-farm/telemetry?device=${device}&metric=${metric}&resolution=raw` +
            `&from=${new Date(base - 1000).toISOString()}&to=${new Date(base + next + 1000).toISOString()}`,
          'GET',
          undefined,
          (await api(`${url}/api/v1/auth/login`, 'POST', { email: 'crash@example.org', password: PASSWORD })).body
            .access_token as string,
        );
        expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
        const stored = (res.body.points as { ts: string }[]).map((p) => new Date(p.ts).getTime());
        expect(new Set(stored).size, `${device}: a reading stored twice`).toBe(stored.length);
        const storedSet = new Set(stored);
        const lost = [...expected].filter((ts) => !storedSet.has(ts));
        expect(lost, `round ${round}: ${device} lost acknowledged readings`).toEqual([]);
      }
    }
    expect(acked.http.size).toBeGreaterThanOrEqual(ROUNDS * PER_ROUND);
    expect(acked.mqtt.size).toBeGreaterThanOrEqual(ROUNDS * PER_ROUND);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 300_000); // several cold starts of the embedded database, on a machine shared with the other test files
});
