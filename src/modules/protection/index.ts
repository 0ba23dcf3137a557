import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import { applicationsRoutes } from './applications.routes.js';
import { ApplicationsService } from './applications.service.js';
import { inspectionsRoutes } from './inspections.routes.js';
import { InspectionsService } from './inspections.service.js';
import { protectionRoutes } from './protection.routes.js';
import { loadProtectionSeed } from './protection.seed.js';
import { ProtectionService } from './protection.service.js';

export type { ProtectionService } from './protection.service.js';
export type { ApplicationsService } from './applications.service.js';
export type { InspectionsService } from './inspections.service.js';
/** The pre-harvest interval gate harvests ask before recording a batch. */
export { applicationReads } from './applications.service.js';
export { karenzViolation } from './protection.engine.js';
/** What treatment applications read of the catalogue, in their own transaction. */
export { protectionReads, intervalUsable, type TreatmentForFarm } from './protection.reads.js';
/** Loads Croft's pests, diseases and treatments (start-up does it; the test template too). */
export { loadProtectionSeed, DEFAULT_PROTECTION_SEED_DIR } from './protection.seed.js';

/**
 * Plant protection, its catalogue: pests, diseases and treatments that ship with Croft (seed/protection,
 * loaded at start when the files changed, linked to the plant catalogue's families) and a farm's own, and
 * the farm's confirmed pre-harvest intervals; plant inspections (the pressure found on a plant, a run or a
 * location) and the next inspection each keeps in the task list; treatment applications with the
 * resistance rule, and the pre-harvest interval gate harvests ask.
 */
export const protectionModule = defineModule({
  name: 'protection',
  create: (deps: { db: Database; clock: Clock; log: Logger }) => ({
    protection: new ProtectionService(deps),
    applications: new ApplicationsService(deps),
    inspections: new InspectionsService(deps),
  }),
  routes: async (app, deps) => {
    await app.register(protectionRoutes, deps);
    await app.register(applicationsRoutes, deps);
    await app.register(inspectionsRoutes, deps);
  },
  start: async (deps) => {
    await loadProtectionSeed(deps.db, { clock: deps.clock, log: deps.log.child({ component: 'protection' }) });
  },
});
