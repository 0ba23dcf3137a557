import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildApp, type App } from './app.js';
import type { AppDeps } from './deps.js';
import { modules, type Services } from './modules/index.js';
import { Hooks } from './platform/hooks.js';
import { assembleModules, type ModuleBase } from './platform/module.js';
import { DeviceLink } from './platform/mqtt/link.js';
import { Targets } from './platform/targets.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { openDatabase, type Database } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { assertRowSecurityHolds } from './platform/db/row-security.js';
import { createMetrics } from './platform/http/metrics.js';
import { JobRegistry } from './platform/jobs/registry.js';
import { JobRunner } from './platform/jobs/runner.js';
import type { Logger } from './platform/logger.js';
import { VERSION } from './platform/version.js';
import { startControlSocket, type ControlSocket } from './platform/control-socket.js';
import { startMqtt } from './modules/telemetry/index.js';
import { LiveEvents } from './platform/live/events.js';
import { MemoryBus } from './platform/live/bus.js';
import { openLiveConnections, type LiveConnections } from './platform/live/connect.js';
import { collectWhenIdle } from './platform/server-memory.js';

export interface StartOptions {
  log: Logger;
  clock?: Clock;
  /** Extra routes or hooks, added before the app is ready (tests and tools). */
  extend?: (app: App, deps: AppDeps) => Promise<void>;
}

export interface Running {
  deps: AppDeps;
  app: App | undefined;
  /** Where the API listens, when this process serves HTTP. */
  url: string | undefined;
  /** Stops accepting work, finishes what is in flight, and closes the database. */
  stop(): Promise<void>;
}

/**
 * Everything the app and the job runner are built from: the platform's parts, then every module's
 * services in list order, their subscriptions and their jobs. The registry is returned so callers
 * (tests) may define more before the runner starts.
 */
export function assemble(
  config: Config,
  db: Database,
  options: { log: Logger; clock?: Clock | undefined; live?: LiveConnections | undefined },
): { deps: AppDeps; registry: JobRegistry } {
  const registry = new JobRegistry();
  const clock = options.clock ?? systemClock;
  const jobs = new JobRunner({
    db,
    registry,
    clock,
    log: options.log.child({ component: 'jobs' }),
    pollMs: config.jobPollMs,
    cronTickMs: config.cronTickMs,
    onOutcome: (name, outcome, seconds) => metrics.jobOutcome(name, outcome, seconds),
  });
  const metrics = createMetrics(() => jobs.countByState());
  const bus = options.live?.bus ?? new MemoryBus(options.log);
  const base: ModuleBase = {
    config,
    db,
    clock,
    log: options.log,
    jobs,
    bus,
    live: new LiveEvents(bus),
    hooks: new Hooks(options.log),
    link: new DeviceLink(),
    mqtt: { status: { state: 'off', port: null } },
    targets: new Targets(),
  };
  const services = assembleModules(modules, base) as ModuleBase & Services;
  const deps: AppDeps = {
    ...base,
    metrics,
    services,
    version: VERSION,
    redis: options.live?.redis,
  };
  for (const module of modules) module.jobs?.(registry, services);
  return { deps, registry };
}

/** What has to happen before serving (keys loaded, light-mode admin made), module by module. */
export async function startServices(deps: AppDeps): Promise<void> {
  const everything = { ...deps, ...deps.services };
  for (const module of modules) await module.start?.(everything);
}

/** How long each step of a start took (ms), logged with the "serving" line: where a slow start goes. */
class Phases {
  private last = performance.now();
  readonly ms: Record<string, number> = {};
  mark(name: string): void {
    const now = performance.now();
    this.ms[name] = Math.round(now - this.last);
    this.last = now;
  }
}

async function openAndMigrate(config: Config, log: Logger, phases = new Phases()): Promise<Database> {
  const db = await openDatabase(config, log);
  phases.mark('open');
  try {
    await migrate(db, log);
    phases.mark('migrate');
    await assertRowSecurityHolds(db);
    phases.mark('rls');
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** `croft serve`: the API, and the jobs unless CROFT_JOBS=off. */
export async function serve(config: Config, options: StartOptions): Promise<Running> {
  const { log } = options;
  const started = performance.now();
  const phases = new Phases();
  phases.ms.boot = Math.round(started); // since the process began: Node and the code loaded
  const db = await openAndMigrate(config, log, phases);
  let app: App | undefined;
  let deps: AppDeps | undefined;
  let live: LiveConnections | undefined;
  let stopMqtt: () => Promise<void> = async () => {};
  let control: ControlSocket | undefined;
  try {
    live = await openLiveConnections(config, log);
    deps = assemble(config, db, { ...options, live }).deps;
    phases.mark('assemble');
    await startServices(deps);
    phases.mark('services');
    await deps.jobs.start({ work: config.jobs });
    app = await buildApp(deps);
    await options.extend?.(app, deps);
    phases.mark('app');
    stopMqtt = await startMqtt(deps);
    phases.mark('mqtt');
    await app.listen({ host: config.host, port: config.port });
    phases.mark('listen');
    // `croft backup` beside this process asks it through the data folder's socket (embedded database only:
    // a PostgreSQL server takes the command line's own connection).
    if (!config.databaseUrl) {
      const { backups } = deps.services;
      control = await startControlSocket(
        config.dataDir,
        {
          '/backup': async (body) => {
            const to = body.to;
            if (typeof to !== 'string' || !(path.isAbsolute(to) || to.startsWith('s3://')))
              throw new Error('to: an absolute path or s3://bucket/prefix');
            const { record, manifest } = await backups.run('command', to);
            return { location: record.location, bytes: Number(record.bytes), same_disk: record.same_disk, manifest };
          },
        },
        log,
      );
    }
  } catch (error) {
    await control?.close().catch(() => {});
    await stopMqtt().catch(() => {});
    await app?.close().catch(() => {});
    await deps?.jobs.stop(config.shutdownTimeoutMs).catch(() => {});
    await live?.close().catch(() => {});
    await db.close();
    throw error;
  }
  const liveConnections = live;
  // The garbage of a burst (an ingest minute) collected once the server is quiet (docs/memory.md).
  const stopCollecting = collectWhenIdle(log);
  const address = app.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${address.port}`;
  log.info(
    {
      url,
      database: db.backend,
      jobs: config.jobs ? 'on' : 'off',
      ms: Math.round(performance.now() - started),
      phases: phases.ms,
    },
    `Croft ${VERSION} is serving on ${url}`,
  );
  const running = app;
  const runningDeps = deps;
  return {
    deps: runningDeps,
    app: running,
    url,
    stop: once(async () => {
      log.info('stopping: no new requests; finishing the ones in flight');
      stopCollecting();
      try {
        await control?.close();
        await running.close();
        log.debug('HTTP server closed');
        await stopMqtt();
        log.debug('MQTT broker closed');
      } finally {
        try {
          await runningDeps.jobs.stop(config.shutdownTimeoutMs);
          log.debug('jobs stopped');
        } finally {
          await liveConnections.close().catch(() => {});
          await db.close();
          log.info('stopped cleanly');
        }
      }
    }),
  };
}

/** `croft worker`: jobs only, against a PostgreSQL server shared with the API processes. */
export async function work(config: Config, options: StartOptions): Promise<Running> {
  if (!config.databaseUrl) {
    throw new Error(
      'croft worker needs DATABASE_URL: the embedded database belongs to the one `croft serve` process, which runs the jobs itself.',
    );
  }
  const db = await openAndMigrate(config, options.log);
  let live: LiveConnections;
  try {
    live = await openLiveConnections(config, options.log);
  } catch (error) {
    await db.close();
    throw error;
  }
  const { deps } = assemble(config, db, { ...options, live });
  try {
    await startServices(deps);
    await deps.jobs.start({ work: true });
  } catch (error) {
    await live.close();
    await db.close();
    throw error;
  }
  options.log.info(`Croft ${VERSION} worker is running jobs`);
  return {
    deps,
    app: undefined,
    url: undefined,
    stop: once(async () => {
      try {
        await deps.jobs.stop(config.shutdownTimeoutMs);
      } finally {
        await live.close().catch(() => {});
        await db.close();
      }
    }),
  };
}

/** Runs `fn` with the services on a migrated database, then closes it (command-line tools). */
export async function withServices<T>(config: Config, log: Logger, fn: (services: Services) => Promise<T>): Promise<T> {
  const db = await openAndMigrate(config, log);
  try {
    const { deps } = assemble(config, db, { log });
    await startServices(deps);
    return await fn(deps.services);
  } finally {
    await db.close();
  }
}

/** `croft migrate`: applies pending migrations and exits. */
export async function migrateOnly(config: Config, log: Logger): Promise<void> {
  const db = await openAndMigrate(config, log);
  await db.close();
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
