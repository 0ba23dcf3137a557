import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { JobRunner } from '../../platform/jobs/runner.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { StockService } from '../stock/index.js';
import { CountingProcess } from './counting/process.js';
import { DetectionPartitions } from './detections.repository.js';
import { DetectorModelsService } from './detector-models.service.js';
import { DetectionsService } from './detections.service.js';
import { definePhotosJobs } from './photos.jobs.js';
import { photosRepository } from './photos.repository.js';
import { photosRoutes } from './photos.routes.js';
import { PhotosService } from './photos.service.js';
import { createPhotoStorage } from './photos.storage.js';
import { ValidationService } from './validate.service.js';

export type { PhotosService } from './photos.service.js';
export type { DetectionsService } from './detections.service.js';
export type { ValidationService } from './validate.service.js';
export type { DetectorModelsService } from './detector-models.service.js';
export type { CountModel, CountPhoto, PhotoCount } from './photos.counting.js';
export type { ObjectStorage } from '../../platform/object-storage.js';
/** The counting engine and the synthetic trays, for the scripts that measure them. */
export { countPhotoBytes, countPlants, decodeForCounting, decodeWorkingCopy } from './counting/count.js';
export { generateSyntheticTray } from './synthetic/tray.js';
/** How long the counting process stays without work before it exits (bench:start waits for it). */
export { IDLE_EXIT_MS } from './counting/process.js';
/** The detections' table and its partitions, for the bench that compares ways of loading it. */
export { dayOf, DetectionPartitions, detectionsRepository } from './detections.repository.js';
export type { Detection } from './counting/types.js';

/** Reads of photos that other modules make inside their own transaction. */
export const photoReads = {
  /** A page of the farm's photos in id order: where each original is stored, its type and size (the export). */
  originalsAfter: photosRepository.originalsAfter,
};

/**
 * Photos of storage locations (issue #25): upload into object storage, which place they show, and the
 * processing session the `photos.count` job works: the plants counted on the pixels (the classical detector
 * and band estimation, or the farm's own ONNX model when it chose one) in a child process that exits when idle, the detections kept 90 days (daily
 * partitions), and the reviewed count validated into the stock ledger.
 */
export const photosModule = defineModule({
  name: 'photos',
  // `stock` is named so the module comes after stock, whose reads (a location's stock config) and count
  // operation (a validated session's count) it uses.
  create: (deps: { config: Config; db: Database; clock: Clock; jobs: JobRunner; log: Logger; stock: StockService }) => {
    const photoStorage = createPhotoStorage(deps.config);
    const counting = new CountingProcess();
    const partitions = new DetectionPartitions(deps.db);
    return {
      photoStorage,
      photoDetections: new DetectionsService({ ...deps, partitions }),
      photoValidation: new ValidationService(deps),
      detectorModels: new DetectorModelsService({
        ...deps,
        photoStorage,
        checkModel: (bytes, options) => counting.checkModel(bytes, options),
      }),
      photos: new PhotosService({
        ...deps,
        photoStorage,
        partitions,
        inspectImage: (bytes, timeZone) => counting.inspect(bytes, timeZone),
        countPhoto: async (bytes, hints, model) => {
          const { timings: _timings, ...count } = await counting.count(
            bytes,
            hints,
            model && {
              key: `${model.sha256}:${JSON.stringify(model.options)}`,
              options: model.options,
              bytes: model.bytes,
            },
          );
          return count;
        },
      }),
    };
  },
  routes: photosRoutes,
  jobs: definePhotosJobs,
});
