import { buildApp, type App } from '../../src/app.js';
import type { AppDeps } from '../../src/deps.js';
import { ManualClock } from '../../src/platform/clock.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import type { JobRegistry } from '../../src/platform/jobs/registry.js';
import { createLogger } from '../../src/platform/logger.js';
import { assemble, startServices } from '../../src/server.js';
import { startMqtt } from '../../src/modules/telemetry/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** Settings for tests: quick polls and timeouts so no test waits long. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      CROFT_ENV: 'test',
      CROFT_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      CROFT_LOG_FORMAT: 'json',
      CROFT_PORT: '0',
      CROFT_JOB_POLL_MS: '500',
      CROFT_CRON_TICK_MS: '3600000', // tests tick cron by hand after moving the clock
      CROFT_SHUTDOWN_TIMEOUT_MS: '2000',
      CROFT_AUTH_RATE_LIMIT: '100000', // the rate-limit test sets its own
      CROFT_MQTT_PORT: 'off',
      ...env,
    },
    false,
  );
}

/** An API answer as parsed JSON, read loosely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked by the assertions themselves
export type Json = Record<string, unknown> & { [key: string]: any };

export interface TestApp {
  app: App;
  deps: AppDeps;
  clock: ManualClock;
  registry: JobRegistry;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Start the job runner working (default: only able to send). */
  workJobs?: boolean;
  /** Define jobs or add routes before the app is ready. */
  prepare?: (deps: AppDeps, registry: JobRegistry, app: App) => void | Promise<void>;
  database?: TestDatabase;
  /** Collects the app's log lines (parsed) instead of discarding them. */
  logLines?: Array<Record<string, unknown>>;
  /** Start the embedded MQTT broker on a free port. */
  mqtt?: boolean;
  /** The manual clock's first time (before anything, MQTT included, starts). */
  now?: string;
}

/** The real app on a database of the test file's own, with a manual clock. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = testConfig({
    ...(options.mqtt ? { CROFT_MQTT_PORT: '0', CROFT_HOST: '127.0.0.1' } : {}),
    ...options.env,
  });
  const lines = options.logLines;
  const log = lines
    ? createLogger(
        { ...config, logLevel: 'info' },
        { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      )
    : createLogger(config);
  const ownDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase());
  const clock = new ManualClock(options.now ?? '2026-06-01T00:30:00Z');
  const { deps, registry } = assemble(config, database.db, { log, clock });
  await startServices(deps);
  const app = await buildApp(deps);
  await options.prepare?.(deps, registry, app);
  await deps.jobs.start({ work: options.workJobs ?? false });
  await app.ready();
  const stopMqtt = await startMqtt(deps);
  return {
    app,
    deps,
    clock,
    registry,
    database,
    async close() {
      await stopMqtt();
      await app.close();
      await deps.jobs.stop(1000);
      // A database passed in is shared with other apps (several instances): its owner closes it.
      if (ownDatabase) await database.close();
    },
  };
}
