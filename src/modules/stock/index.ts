import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { NotificationsService } from '../alerts/index.js';
import { availabilityRoutes } from './availability.routes.js';
import { StockAvailability } from './availability.service.js';
import { labelsRoutes } from './labels.routes.js';
import { StockLabels } from './labels.service.js';
import { monthlyRoutes } from './monthly.routes.js';
import { MonthlyReconciliation } from './monthly.service.js';
import { defineStockJobs } from './stock.jobs.js';
import { stockRepository } from './stock.repository.js';
import { stockRoutes } from './stock.routes.js';
import { StockService } from './stock.service.js';
import { stockSetupRoutes } from './stock.setup.routes.js';
import { StockSetupService } from './stock.setup.js';

export type { StockService } from './stock.service.js';
export type { StockSetupService } from './stock.setup.js';
export type { StockAvailability } from './availability.service.js';

/** Reads of stock that other modules make inside their own transaction. */
export const stockReads = {
  /** What a storage location is meant to hold (its stock config); undefined when it has none. */
  config: stockRepository.config,
  /** The types of the bins at a storage location (its storage_bin children), one entry per bin. */
  binTypesUnder: stockRepository.binTypesUnder,
};

interface StockDeps {
  config: Config;
  db: Database;
  clock: Clock;
  log: Logger;
  live: LiveEvents;
  notifications: NotificationsService;
}

type Provided = {
  stock: StockService;
  stockSetup: StockSetupService;
  stockAvailability: StockAvailability;
  stockLabels: StockLabels;
  monthlyReconciliation: MonthlyReconciliation;
};

const routes: FastifyPluginAsyncTypebox<StockDeps & Provided> = async (app, deps) => {
  await app.register(stockRoutes, deps);
  await app.register(stockSetupRoutes, deps);
  await app.register(availabilityRoutes, deps);
  await app.register(labelsRoutes, deps);
  await app.register(monthlyRoutes, deps);
};

/** Nursery stock: batches and the ledger of their movements, transplants, counts, and the nightly check. */
export const stockModule = defineModule({
  name: 'stock',
  create: (deps: StockDeps): Provided => ({
    stock: new StockService(deps),
    stockSetup: new StockSetupService(deps),
    stockAvailability: new StockAvailability(deps),
    stockLabels: new StockLabels(deps),
    monthlyReconciliation: new MonthlyReconciliation(deps),
  }),
  routes,
  jobs: defineStockJobs,
});
