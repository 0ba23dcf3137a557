/**
 * Alerts: the time from a crossing reading being acknowledged (HTTP 200) to its alert on the live hub
 * (p50/p95), and HTTP ingest with 100 active rules against none (the baseline, same run), on PGlite
 * and PostgreSQL.
 *
 *   npm run bench:alerts
 */
import type { App } from '../src/app.js';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { startBenchServer } from './server.js';

const CROSSINGS = Number(process.env.BENCH_CROSSINGS ?? 100);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);
const BATCH = 5_000;
const DEVICES = 20;
const METRICS = ['temperature', 'humidity', 'ammonia', 'co2', 'water_level'];
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function ingestRate(app: App, token: string, slug: string, start: number): Promise<number> {
  const started = performance.now();
  let accepted = 0;
  for (let b = 0; b < BATCHES; b++) {
    const readings = Array.from({ length: BATCH }, (_, i) => {
      const n = b * BATCH + i;
      return {
        device: `house-${n % DEVICES}`,
        metric: METRICS[Math.floor(n / DEVICES) % METRICS.length],
        ts: new Date(start + Math.floor(n / (DEVICES * METRICS.length)) * 1000).toISOString(),
        value: 20 + (n % 7),
      };
    });
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/farms/${slug}/telemetry`,
      headers: { authorization: `Bearer ${token}` },
      payload: { readings },
    });
    accepted += (res.json() as { accepted: number }).accepted;
  }
  return accepted / ((performance.now() - started) / 1000);
}

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db);
  const { app, deps } = server;
  const call = async (method: 'POST', url: string, payload: object, token?: string) =>
    (
      await app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} })
    ).json() as Record<string, never>;
  try {
    const setup = await call('POST', '/api/v1/auth/setup', {
      email: 'bench@example.org',
      password: 'correct horse battery staple',
      name: 'Bench',
      farm: { name: 'Bench Farm', timezone: 'UTC' },
    });
    const token = setup.access_token as unknown as string;
    const { slug, id: farmId } = setup.farm as unknown as { slug: string; id: string };
    for (let d = 0; d < DEVICES; d++)
      await call(
        'POST',
        `/api/v1/farms/${slug}/devices`,
        { device_id: `house-${d}`, name: `House ${d}`, type: 'sensor' },
        token,
      );

    // Ingest without rules (the baseline), then with 100.
    const without = await ingestRate(app, token, slug, Date.now() - 6 * 3_600_000);
    for (let r = 0; r < 100; r++) {
      await call(
        'POST',
        `/api/v1/farms/${slug}/alert-rules`,
        {
          name: `R${r}`,
          kind: 'threshold',
          metric: METRICS[r % METRICS.length],
          ...(r % 2 ? { device: `house-${r % DEVICES}` } : {}),
          operator: '>',
          value: 1000 + r,
          aggregate: (['avg', 'max', 'last'] as const)[r % 3],
          window_s: 300,
          severity: 'warning',
        },
        token,
      );
    }
    const withRules = await ingestRate(app, token, slug, Date.now() - 3 * 3_600_000);
    await deps.services.alerts.evaluate(farmId);

    // Crossing → alert on the live hub.
    const rule = await call(
      'POST',
      `/api/v1/farms/${slug}/alert-rules`,
      {
        name: 'Hot',
        kind: 'threshold',
        metric: 'probe',
        device: 'house-0',
        operator: '>',
        value: 30,
        aggregate: 'last',
        window_s: 3600,
        severity: 'critical',
        clear_s: 0,
      },
      token,
    );
    const seen = new Map<string, number>();
    await deps.bus.subscribe(`farm:${farmId}`, (m) => {
      if (m.type === 'alert' && (m.alert as { rule_id: string }).rule_id === (rule.id as unknown as string))
        seen.set(`${m.change as string}:${seen.size}`, performance.now());
    });
    const latencies: number[] = [];
    const fromRequest: number[] = [];
    for (let i = 0; i < CROSSINGS; i++) {
      for (const [value, change] of [
        [40, 'triggered'],
        [20, 'resolved'],
      ] as const) {
        const before = [...seen.keys()].filter((k) => k.startsWith(change)).length;
        const sent = performance.now();
        const res = await app.inject({
          method: 'POST',
          url: `/api/v1/farms/${slug}/telemetry`,
          headers: { authorization: `Bearer ${token}` },
          payload: { readings: [{ device: 'house-0', metric: 'probe', value }] },
        });
        const acknowledged = performance.now();
        if ((res.json() as { accepted: number }).accepted !== 1) throw new Error(res.body);
        const deadline = Date.now() + 10_000;
        while ([...seen.keys()].filter((k) => k.startsWith(change)).length === before) {
          if (Date.now() > deadline) throw new Error(`no ${change} alert within 10 s`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        const at = [...seen.entries()].filter(([k]) => k.startsWith(change)).at(-1)![1];
        if (change === 'triggered') {
          latencies.push(Math.max(0, at - acknowledged));
          fromRequest.push(at - sent);
        }
      }
    }
    latencies.sort((a, b) => a - b);
    fromRequest.sort((a, b) => a - b);
    console.log(
      `${name}: crossing acknowledged → alert on the live hub  p50 ${percentile(latencies, 50).toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms ` +
        `(from the request: p50 ${percentile(fromRequest, 50).toFixed(1)} ms, p95 ${percentile(fromRequest, 95).toFixed(1)} ms)`,
    );
    console.log(
      `${name}: HTTP ingest without rules ${Math.round(without).toLocaleString('en')} readings/s, with 100 rules ${Math.round(withRules).toLocaleString('en')} readings/s  ratio ${(withRules / without).toFixed(2)}`,
    );
  } finally {
    await server.stop();
  }
}

await onPglite((db) => run('PGlite', db));
await onPostgres((db) => run('PostgreSQL', db), 8);
