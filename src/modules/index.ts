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
import { commandsRoutes } from './devices/commands.routes.js';
import { DevicesService } from './devices/devices.service.js';
import { CommandsService } from './devices/commands.service.js';
import { SchedulesService } from './schedules/schedules.service.js';
import { AlertsService } from './alerts/alerts.service.js';
import { NotificationsService } from './alerts/notifications.service.js';
import { alertsRoutes } from './alerts/alerts.routes.js';
import { BeekeepingService } from './beekeeping/beekeeping.service.js';
import { beekeepingRoutes } from './beekeeping/beekeeping.routes.js';
import { schedulesRoutes } from './schedules/schedules.routes.js';
import { telemetryRoutes } from './telemetry/telemetry.routes.js';
import { TelemetryService } from './telemetry/telemetry.service.js';
import type { Logger } from '../platform/logger.js';
import type { LiveEvents } from '../platform/live/events.js';
import { liveRoutes } from './live/live.routes.js';
import { brokerAuthRoutes } from './telemetry/broker-auth.routes.js';

/** Every module's service, built once per process; modules reach each other only through these. */
export interface Services {
  auth: AuthService;
  farms: FarmsService;
  apiKeys: ApiKeysService;
  locations: LocationsService;
  devices: DevicesService;
  commands: CommandsService;
  schedules: SchedulesService;
  alerts: AlertsService;
  notifications: NotificationsService;
  beekeeping: BeekeepingService;
  telemetry: TelemetryService;
  /** Puts events on the live hub (readings, commands, device changes, alerts, notifications). */
  live: LiveEvents;
}

export function createServices(base: { db: Database; clock: Clock; config: Config; log: Logger; live: LiveEvents }): Services {
  const farms = new FarmsService(base);
  const devices = new DevicesService(base);
  const commands = new CommandsService({ ...base, devices });
  const schedules = new SchedulesService({ ...base, commands });
  const telemetry = new TelemetryService(base);
  const notifications = new NotificationsService(base);
  const alerts = new AlertsService({ ...base, notifications });
  telemetry.afterIngest((farmId) => schedules.readingsArrived(farmId));
  telemetry.afterIngest((farmId, metrics) => alerts.readingsArrived(farmId, metrics));
  schedules.onFailing((farmId, schedule) => void alerts.scheduleFailing(farmId, schedule.device_id, schedule.name)
    .catch((error: unknown) => base.log.error({ err: error }, 'schedule_failed alert not raised')));
  return {
    farms, auth: new AuthService({ ...base, farms }), apiKeys: new ApiKeysService(base), locations: new LocationsService(base),
    devices, commands, schedules, alerts, notifications, telemetry, live: base.live, beekeeping: new BeekeepingService({ ...base, telemetry, alerts, notifications }),
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
    'notifications.webhook': { delivery: string };
    'beekeeping.inspections-due': Record<string, never>;
    'notifications.email': { to: string; subject: string; text: string };
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
  {
    name: 'devices',
    routes: devicesRoutes,
    defineJobs(registry, deps) {
      registry.tick({ name: 'devices.sweep', everyMs: deps.config.deviceSweepMs, run: () => deps.services.commands.sweep() });
    },
  },
  { name: 'commands', routes: commandsRoutes },
  {
    name: 'schedules',
    routes: schedulesRoutes,
    defineJobs(registry, deps) {
      registry.tick({ name: 'schedules.fire', everyMs: deps.config.scheduleTickMs, run: () => deps.services.schedules.tick() });
      registry.tick({ name: 'schedules.conditions', everyMs: 5_000, run: () => deps.services.schedules.sweepConditions() });
    },
  },
  {
    name: 'alerts',
    routes: alertsRoutes,
    defineJobs(registry, deps) {
      const { alerts, notifications } = deps.services;
      notifications.jobs = deps.jobs;
      registry.tick({ name: 'alerts.sweep', everyMs: 15_000, run: () => alerts.sweep() });
      registry.define({ name: 'notifications.webhook', retry: { limit: 0, delaySeconds: 5, backoff: false },
        handle: (payload) => notifications.deliverWebhook(payload.delivery) });
      registry.define({ name: 'notifications.email', retry: { limit: 3, delaySeconds: 30, backoff: true }, handle: (payload) => notifications.sendEmail(payload) });
    },
  },
  {
    name: 'beekeeping',
    routes: beekeepingRoutes,
    defineJobs(registry, deps) {
      registry.define({ name: 'beekeeping.inspections-due', cron: { expression: '5 * * * *', payload: {} },
        handle: async () => void (await deps.services.beekeeping.remindInspections()) });
    },
  },
  { name: 'live', routes: liveRoutes },
  { name: 'broker-auth', routes: brokerAuthRoutes },
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
