/**
 * Command latency: `POST …/devices/{device}/commands` → the device receives it over MQTT, p50/p95,
 * on PGlite and PostgreSQL (target p95 < 50 ms here; the source system promises < 500 ms). The
 * baseline, measured in the same run, is a bare publish through the same embedded broker to the same
 * device, so the ratio shows what queueing, storing and dispatching add.
 *
 *   npm run bench:commands            (BENCH_COMMANDS=300 to change the sample)
 */
import mqtt from 'mqtt';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { startBenchServer } from './server.js';

const SAMPLES = Number(process.env.BENCH_COMMANDS ?? 300);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
};

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db, { listen: true, mqtt: true, jobs: true });
  const { deps } = server;
  const base = server.url!;
  const api = async (method: string, path: string, body: unknown, token?: string) => {
    const res = await fetch(`${base}${path}`, {
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return (await res.json()) as Record<string, never>;
  };
  try {
    const setup = await api('POST', '/api/v1/auth/setup', {
      email: 'bench@example.org',
      password: 'correct horse battery staple',
      name: 'Bench',
      farm: { name: 'Bench Farm', timezone: 'UTC' },
    });
    const token = setup.access_token as unknown as string;
    const slug = (setup.farm as unknown as { slug: string }).slug;
    await api(
      'POST',
      `/api/v1/farms/${slug}/devices`,
      {
        device_id: 'house-1',
        name: 'House 1',
        type: 'relay',
        channels: [{ name: 'fan', kind: 'fan', safe_state: 'on' }],
      },
      token,
    );
    const creds = (await api('POST', `/api/v1/farms/${slug}/devices/house-1/credentials`, {}, token)) as unknown as {
      username: string;
      password: string;
    };

    // The device: takes each command and reports it done at once.
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${deps.mqtt.status.port}`, {
      username: creds.username,
      password: creds.password,
    });
    const arrived = new Map<string, (at: number) => void>();
    const seenAt = new Map<string, number>();
    device.on('message', (_topic, payload) => {
      const at = performance.now();
      const message = JSON.parse(payload.toString()) as { command_id?: string; probe?: string };
      const id = message.command_id ?? message.probe ?? '';
      seenAt.set(id, at);
      arrived.get(id)?.(at);
      if (message.command_id)
        void device.publishAsync(
          `croft/${slug}/house-1/commands/ack`,
          JSON.stringify({ command_id: id, status: 'completed' }),
          { qos: 1 },
        );
    });
    await device.subscribeAsync(`croft/${slug}/house-1/commands`, { qos: 1 });
    await device.publishAsync(`croft/${slug}/house-1/heartbeat`, '{}', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Baseline: the same hop with nothing in front of it.
    const bare: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const id = `probe-${i}`;
      const got = new Promise<number>((resolve) => arrived.set(id, resolve));
      const started = performance.now();
      await deps.mqtt.broker!.publish(`croft/${slug}/house-1/commands`, JSON.stringify({ probe: id }), { qos: 1 });
      bare.push((await got) - started);
    }

    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i++) {
      const started = performance.now();
      const res = await fetch(`${base}/api/v1/farms/${slug}/devices/house-1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ action: i % 2 ? 'on' : 'off', channel: 'fan' }),
      });
      const { id } = (await res.json()) as { id: string };
      // The device often has it before the answer is read: its arrival time was noted when it came.
      const at =
        seenAt.get(id) ??
        (await Promise.race([
          new Promise<number>((resolve) => arrived.set(id, resolve)),
          new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 5_000)),
        ]));
      if (Number.isNaN(at)) throw new Error(`command ${id} never arrived`);
      if (i >= 20) latencies.push(at - started); // the first ones warm up
    }
    await device.endAsync();
    const cmd = summary(latencies);
    const raw = summary(bare);
    console.log(
      `${name}: POST → device receives  p50 ${cmd.p50.toFixed(1)} ms  p95 ${cmd.p95.toFixed(1)} ms  (target p95 < 50 ms: ${cmd.p95 < 50 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `${name}: bare broker publish      p50 ${raw.p50.toFixed(2)} ms  p95 ${raw.p95.toFixed(2)} ms  → command p95 is ${(cmd.p95 / raw.p95).toFixed(1)}× the bare hop`,
    );
  } finally {
    await server.stop();
  }
}

await onPglite((db) => run('PGlite', db));
await onPostgres((db) => run('PostgreSQL', db));
