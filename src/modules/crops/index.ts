import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { Targets } from '../../platform/targets.js';
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
    targets: Targets;
  }) => {
    const growth = new GrowthService(deps);
    // Alert rules and light schedules that follow a crop ask the growth clock through the platform's door.
    deps.targets.provide(growth);
    return { crops: new CropsService(deps), growth };
  },
  routes: cropsRoutes,
  jobs: defineCropsJobs,
});
