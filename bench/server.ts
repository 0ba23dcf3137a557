import { buildApp, type App } from '../src/app.js';
import type { AppDeps } from '../src/deps.js';
import { startMqtt } from '../src/modules/telemetry/index.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig, type Config } from '../src/platform/config.js';
import type { Database } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { createLogger, type Logger } from '../src/platform/logger.js';
import { assemble, startServices } from '../src/server.js';

export interface BenchServer {
  config: Config;
  log: Logger;
  deps: AppDeps;
  app: App;
  /** `http://127.0.0.1:{port}` when it listens, else undefined (use `app.inject`). */
  url: string | undefined;
  stop(): Promise<void>;
}

/**
 * Croft as the benches run it, inside the bench's process on the real clock: migrated, assembled, its
 * services started and the app built; optionally listening on a free port, with the embedded MQTT
 * broker on another, and with the job runner started (queues made, no work taken).
 */
export async function startBenchServer(
  db: Database,
  options: { listen?: boolean; mqtt?: boolean; jobs?: boolean } = {},
): Promise<BenchServer> {
  const config = loadConfig(
    {
      CROFT_PORT: '0',
      CROFT_HOST: '127.0.0.1',
      CROFT_MQTT_PORT: options.mqtt ? '0' : 'off',
      // Every simulated device connects from 127.0.0.1: one address, far above a farm's usual share.
      CROFT_MQTT_CONNECTIONS_PER_ADDRESS: '100000',
      CROFT_MQTT_CONNECTS_PER_MINUTE: '1000000',
      CROFT_LOG_LEVEL: 'warn',
      CROFT_LOG_FORMAT: 'json',
    },
    false,
  );
  const log = createLogger(config);
  await migrate(db, log);
  const { deps } = assemble(config, db, { log, clock: systemClock });
  await startServices(deps);
  if (options.jobs) await deps.jobs.start({ work: false });
  const app = await buildApp(deps);
  let url: string | undefined;
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  } else {
    await app.ready();
  }
  const stopMqtt = options.mqtt ? await startMqtt(deps) : undefined;
  return {
    config,
    log,
    deps,
    app,
    url,
    async stop() {
      await stopMqtt?.();
      await app.close();
      await deps.jobs.stop(1000);
    },
  };
}

/** What `POST /auth/setup` answers: the first admin's token and their farm. */
export interface BenchFarm {
  access_token: string;
  user: { id: string };
  farm: { id: string; slug: string };
}

/** The instance's first admin and farm, made through `POST /auth/setup` (bench@example.org). */
export async function benchFarm(app: App, timeZone = 'UTC', name = 'Bench Farm'): Promise<BenchFarm> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/setup',
    payload: {
      email: 'bench@example.org',
      password: 'correct horse battery staple',
      name: 'Bench',
      farm: { name, timezone: timeZone },
    },
  });
  if (res.statusCode >= 300) throw new Error(`setup: ${res.statusCode} ${res.body}`);
  return res.json() as BenchFarm;
}
