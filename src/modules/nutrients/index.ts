import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import { calculationsRoutes } from './calculations.routes.js';
import { NutrientCalculations } from './calculations.service.js';

export type { NutrientCalculations } from './calculations.service.js';

/**
 * Feeding plants: fertilizers (Croft's generic products and a farm's own), the dosing calculator with its
 * mixing-safety rules, and nutrient plans that planting runs follow.
 */
export const nutrientsModule = defineModule({
  name: 'nutrients',
  create: (deps: { db: Database; clock: Clock; log: Logger }) => ({
    calculations: new NutrientCalculations(deps),
  }),
  routes: async (app, deps) => {
    await app.register(calculationsRoutes, deps);
  },
});
