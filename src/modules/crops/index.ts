import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { Targets } from '../../platform/targets.js';
import { defineModule } from '../../platform/module.js';
import type { AlertsService, NotificationsService } from '../alerts/index.js';
import type { SchedulesService } from '../schedules/index.js';
import { defineCropsJobs } from './crops.jobs.js';
import { cropsRoutes } from './crops.routes.js';
import { CropsService } from './crops.service.js';
import { GrowthService } from './growth.service.js';
import { placementRoutes } from './placement.routes.js';
import { PlacementService } from './placement.service.js';
import { CropTargets } from './targets.service.js';

export type { CropsService } from './crops.service.js';
export type { GrowthService } from './growth.service.js';
export type { PlacementService } from './placement.service.js';
export type { CropTargets } from './targets.service.js';

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
    alerts: AlertsService;
    schedules: SchedulesService;
  }) => {
    const cropTargets = new CropTargets(deps);
    // Alert rules and light schedules that follow a crop ask for its targets through the platform's door.
    deps.targets.provide(cropTargets);
    return {
      crops: new CropsService({ ...deps, cropTargets }),
      growth: new GrowthService({ ...deps, cropTargets }),
      cropTargets,
      placement: new PlacementService(deps),
    };
  },
  routes: async (app, deps) => {
    await cropsRoutes(app, deps);
    await placementRoutes(app, deps);
  },
  jobs: defineCropsJobs,
});
