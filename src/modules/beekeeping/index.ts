import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import type { AlertsService } from '../alerts/index.js';
import type { TelemetryService } from '../telemetry/index.js';
import { beekeepingRoutes } from './beekeeping.routes.js';
import { BeekeepingService } from './beekeeping.service.js';

export type { BeekeepingService } from './beekeeping.service.js';

interface BeekeepingDeps {
  db: Database;
  clock: Clock;
  telemetry: TelemetryService;
  alerts: AlertsService;
}

/** Apiaries, hives, queens and inspections (the next one planned is a task), hive telemetry and the insight presets. */
export const beekeepingModule = defineModule({
  name: 'beekeeping',
  create: (deps: BeekeepingDeps) => ({ beekeeping: new BeekeepingService(deps) }),
  routes: beekeepingRoutes,
});
