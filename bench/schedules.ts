/**
 * Schedule firing lateness with 1,000 active schedules, on PGlite and PostgreSQL: each schedule fires
 * once a minute at its own second (about 17 firings a second in all), for BENCH_SCHEDULE_S seconds;
 * lateness is an execution's actual time minus its scheduled time. Target: within 1 s, never more
 * than 5 s late. The baseline, measured in the same run, is the sweep's own period (CROFT_SCHEDULE_TICK_MS):
 * a firing can be up to one period late by design.
 *
 *   npm run bench:schedules
 */
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { startBenchServer } from './server.js';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 1000);
const SECONDS = Number(process.env.BENCH_SCHEDULE_S ?? 90);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db);
  const { app, deps, config } = server;
  const call = async (method: 'POST' | 'GET', url: string, payload?: object, token?: string) => {
    const res = await app.inject({
      method,
      url,
      ...(payload ? { payload } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  try {
    const setup = await call('POST', '/api/v1/auth/setup', {
      email: 'bench@example.org',
      password: 'correct horse battery staple',
      name: 'Bench',
      farm: { name: 'Bench Farm', timezone: 'Europe/Berlin' },
    });
    const { access_token: token, farm } = setup as { access_token: string; farm: { slug: string } };
    for (let d = 0; d < 100; d++) {
      await call(
        'POST',
        `/api/v1/farms/${farm.slug}/devices`,
        {
          device_id: `house-${d}`,
          name: `House ${d}`,
          type: 'relay',
          channels: Array.from({ length: 10 }, (_, c) => ({ name: `relay-${c}`, kind: 'fan', safe_state: 'on' })),
        },
        token,
      );
    }
    const created = performance.now();
    for (let i = 0; i < SCHEDULES; i++) {
      await call(
        'POST',
        `/api/v1/farms/${farm.slug}/schedules`,
        {
          name: `S${i}`,
          device: `house-${i % 100}`,
          channel: `relay-${Math.floor(i / 100) % 10}`,
          kind: 'time',
          cron: `${i % 60} * * * * *`,
          action: i % 2 ? 'on' : 'off',
        },
        token,
      );
    }
    console.log(
      `${name}: ${SCHEDULES} schedules created in ${((performance.now() - created) / 1000).toFixed(1)} s; firing for ${SECONDS} s …`,
    );
    const started = new Date();
    await deps.jobs.start({ work: true });
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    await deps.jobs.stop(5_000);
    const { rows } = await db.raw.executeSql(
      `select extract(epoch from (actual_at - scheduled_at)) * 1000 as late_ms, status from schedule_executions where scheduled_at >= $1`,
      [started],
    );
    const late = (rows as Array<{ late_ms: number; status: string }>)
      .filter((r) => r.status !== 'skipped')
      .map((r) => Number(r.late_ms))
      .sort((a, b) => a - b);
    const skipped = rows.length - late.length;
    const tick = config.scheduleTickMs;
    console.log(
      `${name}: ${late.length} firings (${(late.length / SECONDS).toFixed(1)}/s), ${skipped} skipped; lateness p50 ${percentile(late, 50).toFixed(0)} ms, ` +
        `p95 ${percentile(late, 95).toFixed(0)} ms, max ${(late.at(-1) ?? Number.NaN).toFixed(0)} ms — ` +
        `p95 is ${(percentile(late, 95) / tick).toFixed(1)}× the ${tick} ms sweep period (targets: within 1 s, never over 5 s: ` +
        `${percentile(late, 95) <= 1000 && (late.at(-1) ?? 0) <= 5000 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await server.stop();
  }
}

await onPglite((db) => run('PGlite', db));
await onPostgres((db) => run('PostgreSQL', db), 8);
