import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import type { AlertsService, NotificationsService } from '../alerts/index.js';
import type { TelemetryService } from '../telemetry/index.js';
import { defineBeekeepingJobs } from './beekeeping.jobs.js';
import { beekeepingRoutes } from './beekeeping.routes.js';
import { BeekeepingService } from './beekeeping.service.js';

export type { BeekeepingService } from './beekeeping.service.js';

interface BeekeepingDeps {
  db: Database;
  clock: Clock;
  telemetry: TelemetryService;
  alerts: AlertsService;
  notifications: NotificationsService;
}

/** Apiaries, hives, queens and inspections, hive telemetry and the insight presets. */
export const beekeepingModule = defineModule({
  name: 'beekeeping',
  create: (deps: BeekeepingDeps) => ({ beekeeping: new BeekeepingService(deps) }),
  routes: beekeepingRoutes,
  jobs: defineBeekeepingJobs,
});
