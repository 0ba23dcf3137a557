import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { AlertsService } from '../alerts/index.js';
import { defineTanksJobs } from './tanks.jobs.js';
import { tanksRoutes } from './tanks.routes.js';
import { TanksService } from './tanks.service.js';

export type { TanksService } from './tanks.service.js';

/**
 * Tanks (locations of type tank): settings, state snapshots by hand and from sensor readings, alerts
 * per tank type through the alerts module, the solution's age, and maintenance that becomes tasks.
 */
export const tanksModule = defineModule({
  name: 'tanks',
  create: (deps: { db: Database; clock: Clock; log: Logger; alerts: AlertsService }) => ({
    tanks: new TanksService(deps),
  }),
  routes: tanksRoutes,
  jobs: defineTanksJobs,
  subscriptions: ({ tanks }) => ({
    'telemetry.readings-arrived': ({ farmId, metrics }) => tanks.readingsArrived(farmId, metrics),
  }),
});
