import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { NotificationsService } from '../alerts/index.js';
import { defineCropsJobs } from './crops.jobs.js';
import { cropsRoutes } from './crops.routes.js';
import { CropsService } from './crops.service.js';
import { GrowthService } from './growth.service.js';

export type { CropsService } from './crops.service.js';
export type { GrowthService } from './growth.service.js';

/** Plants and planting runs, their growth phases and the growth clock that moves them. */
export const cropsModule = defineModule({
  name: 'crops',
  create: (deps: {
    db: Database;
    clock: Clock;
    log: Logger;
    live: LiveEvents;
    notifications: NotificationsService;
  }) => ({
    crops: new CropsService(deps),
    growth: new GrowthService(deps),
  }),
  routes: cropsRoutes,
  jobs: defineCropsJobs,
});
