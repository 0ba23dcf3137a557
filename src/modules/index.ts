import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db/database.js';
import type { JobRegistry } from '../platform/jobs/registry.js';
import { auditRoutes } from './audit/audit.routes.js';
import { farmsRoutes } from './farms/farms.routes.js';
import { FarmsService } from './farms/farms.service.js';
import { apiKeysRoutes } from './identity/api-keys.routes.js';
import { ApiKeysService } from './identity/api-keys.service.js';
import { authRoutes } from './identity/auth.routes.js';
import { AuthService } from './identity/auth.service.js';
import { usersRoutes } from './identity/users.routes.js';
import { locationsRoutes } from './locations/locations.routes.js';
import { LocationsService } from './locations/locations.service.js';
import { devicesRoutes } from './devices/devices.routes.js';
import { DevicesService } from './devices/devices.service.js';
import { telemetryRoutes } from './telemetry/telemetry.routes.js';
import { TelemetryService } from './telemetry/telemetry.service.js';
import type { Logger } from '../platform/logger.js';

/** Every module's service, built once per process; modules reach each other only through these. */
export interface Services {
  auth: AuthService;
  farms: FarmsService;
  apiKeys: ApiKeysService;
  locations: LocationsService;
  devices: DevicesService;
  telemetry: TelemetryService;
}

export function createServices(base: { db: Database; clock: Clock; config: Config; log: Logger }): Services {
  const farms = new FarmsService(base);
  return {
    farms, auth: new AuthService({ ...base, farms }), apiKeys: new ApiKeysService(base), locations: new LocationsService(base),
    devices: new DevicesService(base), telemetry: new TelemetryService(base),
  };
}

/** What has to happen before serving (keys loaded, light-mode admin made). */
export async function startServices(services: Services): Promise<void> {
  await services.auth.start();
}

declare module '../platform/jobs/registry.js' {
  interface JobPayloads {
    'farms.purge': Record<string, never>;
    'telemetry.rollup': Record<string, never>;
    'telemetry.retention': Record<string, never>;
    'telemetry.partitions': Record<string, never>;
  }
}

/**
 * A domain module as the platform sees it: its routes and its jobs. Each module lives in its own
 * folder (routes, schemas, service, engine, repository, jobs) and is listed here once.
 */
export interface CroftModule {
  name: string;
  routes?: FastifyPluginAsyncTypebox<{ deps: AppDeps }>;
  /** Adds the module's jobs (and cron schedules) before the job runner starts. */
  defineJobs?(registry: JobRegistry, deps: AppDeps): void;
}

export const modules: CroftModule[] = [
  { name: 'auth', routes: authRoutes },
  { name: 'users', routes: usersRoutes },
  {
    name: 'farms',
    routes: farmsRoutes,
    defineJobs(registry, deps) {
      registry.define({
        name: 'farms.purge',
        cron: { expression: '17 3 * * *', payload: {} },
        handle: async (_payload, context) => {
          const purged = await deps.services.farms.purgeDeleted();
          if (purged > 0) context.log.info({ purged }, 'deleted farms purged');
        },
      });
    },
  },
  { name: 'api-keys', routes: apiKeysRoutes },
  { name: 'audit', routes: auditRoutes },
  { name: 'locations', routes: locationsRoutes },
  { name: 'devices', routes: devicesRoutes },
  {
    name: 'telemetry',
    routes: telemetryRoutes,
    defineJobs(registry, deps) {
      const { telemetry } = deps.services;
      registry.define({ name: 'telemetry.rollup', cron: { expression: '*/1 * * * *', payload: {} }, timeoutSeconds: 600,
        handle: async () => void (await telemetry.rollUpDirty()) });
      registry.define({ name: 'telemetry.retention', cron: { expression: '23 2 * * *', payload: {} }, timeoutSeconds: 3600,
        handle: async () => void (await telemetry.applyRetention()) });
      registry.define({ name: 'telemetry.partitions', cron: { expression: '7 0 * * *', payload: {} },
        handle: () => telemetry.makePartitionsAhead() });
    },
  },
];
