import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { JobRunner } from '../../platform/jobs/runner.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { StockService } from '../stock/index.js';
import { CountingThread } from './counting/thread.js';
import { definePhotosJobs } from './photos.jobs.js';
import { photosRoutes } from './photos.routes.js';
import { PhotosService } from './photos.service.js';
import { createPhotoStorage } from './photos.storage.js';

export type { PhotosService } from './photos.service.js';
export type { CountPhoto, PhotoCount } from './photos.counting.js';
export type { ObjectStorage } from './photos.storage.js';
/** The counting engine and the synthetic trays, for the scripts that measure them. */
export { countPlants, decodeForCounting } from './counting/count.js';
export { generateSyntheticTray } from './synthetic/tray.js';

/**
 * Photos of storage locations (issue #25): upload into object storage, which place they show, and the
 * processing session the `photos.count` job works: the plants counted on the pixels (the classical detector
 * and band estimation) on a worker thread that exits when idle.
 */
export const photosModule = defineModule({
  name: 'photos',
  // `stock` is named so the module comes after stock, whose reads (a location's stock config) it uses.
  create: (deps: { config: Config; db: Database; clock: Clock; jobs: JobRunner; log: Logger; stock: StockService }) => {
    const photoStorage = createPhotoStorage(deps.config);
    const counting = new CountingThread();
    return {
      photoStorage,
      photos: new PhotosService({
        ...deps,
        photoStorage,
        countPhoto: async (bytes, hints) => {
          const { timings: _timings, ...count } = await counting.count(bytes, hints);
          return count;
        },
      }),
    };
  },
  routes: photosRoutes,
  jobs: definePhotosJobs,
});
