import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import type { CropsService } from '../crops/index.js';
import type { ApplicationsService } from '../protection/index.js';
import { harvestsRepository } from './harvests.repository.js';
import { harvestsRoutes } from './harvests.routes.js';
import { HarvestsService } from './harvests.service.js';

export type { HarvestsService } from './harvests.service.js';

/** Harvest batches from plants and runs, their quality assessments (score and grade) and a run's yield. */
export const harvestsModule = defineModule({
  name: 'harvests',
  create: (deps: { db: Database; clock: Clock; crops: CropsService; applications: ApplicationsService }) => {
    // A spray recorded late warns of the batches its interval covers: harvests answer that question.
    deps.applications.provideHarvests(async (tx, farmId, q) =>
      (await harvestsRepository.inside(tx, farmId, q)).map((h) => ({ id: h.id, harvestedOn: h.harvested_on })),
    );
    return { harvests: new HarvestsService(deps) };
  },
  routes: harvestsRoutes,
});
