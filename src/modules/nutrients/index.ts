import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import { calculationsRoutes } from './calculations.routes.js';
import { NutrientCalculations } from './calculations.service.js';
import { fertilizersRoutes } from './fertilizers.routes.js';
import { loadFertilizerSeed } from './fertilizers.seed.js';
import { FertilizersService } from './fertilizers.service.js';
import { plansRoutes } from './plans.routes.js';
import { PlansService } from './plans.service.js';

export type { NutrientCalculations } from './calculations.service.js';
export type { FertilizersService } from './fertilizers.service.js';
export type { PlansService } from './plans.service.js';
/** What other modules (crops: the plan a run follows) read of nutrient plans, in their own transaction. */
export { nutrientReads, type NutrientPlanEntry, type RunPlanWeek } from './plans.reads.js';
/** Loads Croft's generic fertilizers (start-up does it; the test template too). */
export { loadFertilizerSeed, DEFAULT_FERTILIZER_SEED_DIR } from './fertilizers.seed.js';

/**
 * Feeding plants: fertilizers (Croft's generic products and a farm's own), the dosing calculator with its
 * mixing-safety rules, and nutrient plans that planting runs follow.
 */
export const nutrientsModule = defineModule({
  name: 'nutrients',
  create: (deps: { db: Database; clock: Clock; log: Logger }) => ({
    fertilizers: new FertilizersService(deps),
    nutrientPlans: new PlansService(deps),
    calculations: new NutrientCalculations(deps),
  }),
  routes: async (app, deps) => {
    await app.register(fertilizersRoutes, deps);
    await app.register(calculationsRoutes, deps);
    await app.register(plansRoutes, deps);
  },
  start: async (deps) => {
    await loadFertilizerSeed(deps.db, { clock: deps.clock, log: deps.log.child({ component: 'nutrients' }) });
  },
});
