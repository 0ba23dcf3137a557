import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { Targets } from '../../platform/targets.js';
import { defineModule } from '../../platform/module.js';
import type { AlertsService, NotificationsService } from '../alerts/index.js';
import type { LocationsService } from '../locations/index.js';
import type { SchedulesService } from '../schedules/index.js';
import { defineCropsJobs } from './crops.jobs.js';
import { cropsRoutes } from './crops.routes.js';
import { CropsService } from './crops.service.js';
import { GrowthService } from './growth.service.js';
import { placementRoutes } from './placement.routes.js';
import { PlacementService } from './placement.service.js';
import { sowingRoutes } from './sowing.routes.js';
import { SowingCalendar } from './sowing.service.js';
import { CropTargets } from './targets.service.js';
import { defineCareJobs } from './care.jobs.js';
import { careRoutes } from './care.routes.js';
import { CareService } from './care.service.js';
import { onboardingRoutes } from './onboarding.routes.js';
import { OnboardingService } from './onboarding.service.js';
import { defineWateringJobs } from './watering.jobs.js';
import { wateringRoutes } from './watering.routes.js';
import { WateringService } from './watering.service.js';

export type { CropsService } from './crops.service.js';
export type { GrowthService } from './growth.service.js';
export type { PlacementService } from './placement.service.js';
export type { CropTargets } from './targets.service.js';
export type { SowingCalendar } from './sowing.service.js';
export type { CareService } from './care.service.js';
export type { OnboardingService } from './onboarding.service.js';
export type { WateringService } from './watering.service.js';
export { cropReads, type ExpectedPhaseChange, type PlantPlace, type PlantRef, type RunRef } from './crops.reads.js';

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
    locations: LocationsService;
  }) => {
    const cropTargets = new CropTargets(deps);
    // Alert rules and light schedules that follow a crop ask for its targets through the platform's door.
    deps.targets.provide(cropTargets);
    const care = new CareService(deps);
    const watering = new WateringService(deps);
    return {
      crops: new CropsService({ ...deps, cropTargets, watering }),
      growth: new GrowthService({ ...deps, cropTargets }),
      cropTargets,
      placement: new PlacementService(deps),
      sowing: new SowingCalendar(deps),
      care,
      onboarding: new OnboardingService({ ...deps, care }),
      watering,
    };
  },
  routes: async (app, deps) => {
    await app.register(cropsRoutes, deps);
    await app.register(placementRoutes, deps);
    await app.register(sowingRoutes, deps);
    await app.register(careRoutes, deps);
    await app.register(onboardingRoutes, deps);
    await app.register(wateringRoutes, deps);
  },
  jobs: (registry, deps) => {
    defineCropsJobs(registry, deps);
    defineCareJobs(registry, deps);
    defineWateringJobs(registry, deps);
  },
});
