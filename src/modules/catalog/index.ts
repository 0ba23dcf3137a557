import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { AuthService } from '../identity/index.js';
import { catalogRoutes } from './catalog.routes.js';
import { CatalogService } from './catalog.service.js';

export type { CatalogService } from './catalog.service.js';
export type {
  CatalogReads,
  FamilyLinks as CatalogFamilyLinks,
  CultivarRef,
  GrowthPhase,
  GrowthSequence,
  PhaseProfile,
  SpeciesCalendar,
  SpeciesCalendarFilter,
  SpeciesForCare,
  SpeciesForGrowth,
  StarterKit,
} from './catalog.reads.js';
/** The species categories (vegetable, herb, …). */
export { CARE_PRESETS as SPECIES_CARE_PRESETS, CATEGORIES } from './catalog.engine.js';
/** What other modules read of the catalogue inside their own transaction. */
export { catalogReads } from './catalog.repository.js';
/** Loads the shipped catalogue (start-up does it; tools and the test template too). */
export { loadCatalogSeed, DEFAULT_SEED_DIR, type SeedResult } from './catalog.seed.js';

/**
 * The plant catalogue: botanical families, species, cultivars and lifecycle phase sequences (with each
 * phase's requirement and nutrient profile). Global rows ship with Croft (seed/catalog, loaded at start
 * when the files changed); each farm adds its own beside them.
 */
export const catalogModule = defineModule({
  name: 'catalog',
  create: (deps: { db: Database; clock: Clock; config: Config; log: Logger; auth: AuthService }) => ({
    catalog: new CatalogService(deps),
  }),
  routes: catalogRoutes,
  start: async (deps) => {
    await deps.catalog.loadSeed();
  },
});
