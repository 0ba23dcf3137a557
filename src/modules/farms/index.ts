import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { defineModule } from '../../platform/module.js';
import { defineFarmsJobs } from './farms.jobs.js';
import { farmsRepository, membershipsRepository } from './farms.repository.js';
import { farmsRoutes } from './farms.routes.js';
import { FarmsService } from './farms.service.js';

export type { FarmsService, NewFarm } from './farms.service.js';
export type { FarmRow } from './farms.repository.js';
export { FarmView, NewFarmBody } from './farms.schemas.js';
export { farmView } from './farms.views.js';

/** Reads of farms that other modules make inside their own transaction. */
export const farmReads = {
  byId: farmsRepository.byId,
  findLive: farmsRepository.findLive,
  /** A person's membership of a farm (their role), undefined once they have left or were removed. */
  membership: membershipsRepository.find,
  /** The farm's members with their names, email addresses and roles. */
  members: membershipsRepository.list,
};

/** Farms (the tenants), their members and invitations. */
export const farmsModule = defineModule({
  name: 'farms',
  create: (deps: { db: Database; clock: Clock; config: Config; live: LiveEvents }) => ({
    farms: new FarmsService(deps),
  }),
  routes: farmsRoutes,
  jobs: defineFarmsJobs,
});
