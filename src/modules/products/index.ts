import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import { ProductCsvService } from './product-csv.service.js';
import { PricesService } from './prices.service.js';
import { productsRoutes } from './products.routes.js';
import { ProductsService } from './products.service.js';

export type { ProductsService } from './products.service.js';
export type { PricesService } from './prices.service.js';
export type { ProductCsvService } from './product-csv.service.js';
export type { PackagingRef, PriceRef, ProductReads, ProductRef, SizeRef, StateRef } from './products.reads.js';
export type { Attributes, Availability, PackagingType, StageBands } from './products.tables.js';
/** What other modules (stock) read of products, packaging, states, sizes and prices inside their own transaction. */
export { productReads } from './products.reads.js';
/** A batch's growth stage by its age in days and its category's stage bands. */
export { stageOf, priceSku, type Stage } from './products.engine.js';

/**
 * The nursery's sellable catalogue: product categories → families → products, product states and
 * sizes, the packaging catalogue, one price per (packaging, category) and the price list; products and
 * prices in and out as CSV.
 */
export const productsModule = defineModule({
  name: 'products',
  create: (deps: { db: Database; clock: Clock }) => ({
    products: new ProductsService(deps),
    productPrices: new PricesService(deps),
    productCsv: new ProductCsvService(deps),
  }),
  routes: productsRoutes,
});
