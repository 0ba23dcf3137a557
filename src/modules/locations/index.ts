import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import { locationsRepository } from './locations.repository.js';
import { locationsRoutes } from './locations.routes.js';
import { LocationsService } from './locations.service.js';

export type { LocationsService } from './locations.service.js';
export type { NewLocation } from './locations.schemas.js';

/** Reads of places that other modules make inside their own transaction. */
export const locationReads = {
  find: locationsRepository.find,
  /** Everything under a location (any depth), optionally of one type. */
  subtree: locationsRepository.subtree,
  /** The locations of a path (ids), root first. */
  ancestors: locationsRepository.ancestors,
  /** A location's id and its descendants' as a subquery: `where location_id in (…)`. */
  subtreeIds: locationsRepository.subtreeIds,
  /** Which location types exist, which may be roots, and which may sit under which. */
  typeRules: locationsRepository.typeRules,
  /** The farm's location codes, each with its location. */
  codes: locationsRepository.codes,
  /** The location whose QR code this is (the code printed on its label). */
  byQr: locationsRepository.findByQr,
};
export type { LocationRow } from './locations.repository.js';
export { locationCode } from './location-code.engine.js';

/** The farm's places: a tree of sites, fields, houses, beds and storage, with geometry and GPS lookup. */
export const locationsModule = defineModule({
  name: 'locations',
  create: (deps: { db: Database; clock: Clock; config: Config }) => ({ locations: new LocationsService(deps) }),
  routes: locationsRoutes,
});
