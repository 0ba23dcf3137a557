import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { ObjectStorage } from '../../platform/object-storage.js';
import { exportsRoutes } from './exports.routes.js';
import { ExportsService } from './exports.service.js';

export type { ExportsService } from './exports.service.js';

/**
 * A farm's own export (issue 29): everything of one farm — every farm-scoped table the catalogue holds,
 * and its photos — as one streamed tar.gz for its admins, without secrets or hashes.
 */
export const exportsModule = defineModule({
  name: 'exports',
  // `photoStorage` is named so the module comes after photos, whose stored originals the archive holds.
  create: (deps: { db: Database; clock: Clock; log: Logger; photoStorage: ObjectStorage }) => ({
    exports: new ExportsService(deps),
  }),
  routes: exportsRoutes,
});
