// Load generator for bench/telemetry.ts, on its own thread so it does not block the server's event loop
// (it still shares the machine's 2 cores). Plain JavaScript: workers do not get the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

const { kind } = workerData;

async function http({ url, slug, authorization, batches, batch, start }) {
  // Bodies are made before the clock starts: the figure is the server's, not the generator's.
  const bodies = Array.from({ length: batches }, (_, b) =>
    JSON.stringify({
      readings: Array.from({ length: batch }, (_, i) => ({
        device: 'dev-0',
        metric: `m${i % 5}`,
        ts: start + (b * batch + i) * 200,
        value: i,
      })),
    }),
  );
  const started = performance.now();
  let accepted = 0;
  for (const body of bodies) {
    const res = await fetch(`${url}/api/v1/farms/${slug}/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
    });
    accepted += (await res.json()).accepted;
  }
  return { accepted, seconds: (performance.now() - started) / 1000 };
}

async function mqttLoad({ port, slug, devices, messages, start, intervalMs = 0 }) {
  const clients = [];
  for (let d = 1; d <= devices; d++) {
    clients.push(
      await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        username: `${slug}.dev-${d}`,
        password: 'bench-secret',
        reconnectPeriod: 0,
      }),
    );
  }
  const payloads = clients.map((_, d) =>
    Array.from({ length: messages }, (_, m) =>
      JSON.stringify(
        Array.from({ length: 10 }, (_, k) => ({
          ts: new Date(start + (m * 10 + k) * 1000).toISOString(),
          readings: { temperature: 20 + k, humidity: 50 + (d % 10) },
        })),
      ),
    ),
  );
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, d) => {
      for (const payload of payloads[d]) {
        await client.publishAsync(`croft/${slug}/dev-${d + 1}/telemetry`, payload, { qos: 1 });
        // Paced like devices in a house (one message every intervalMs), not a burst.
        if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  return { accepted: devices * messages * 20, seconds };
}

const result = kind === 'http' ? await http(workerData) : await mqttLoad(workerData);
parentPort.postMessage(result);
