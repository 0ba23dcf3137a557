import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { DetectionsService } from './detections.service.js';
import { COUNT_RETRIES, type PhotosService } from './photos.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'photos.count': { farmId: string; sessionId: string };
    'photos.detections-retention': Record<string, never>;
  }
}

/**
 * Counting a photo, queued with the upload: a session's tries, each claiming it first (safe to run twice).
 * Nightly, the detections' daily partitions older than 90 days are dropped.
 */
export function definePhotosJobs(
  registry: JobRegistry,
  { photos, photoDetections }: { photos: PhotosService; photoDetections: DetectionsService },
): void {
  registry.define({
    name: 'photos.count',
    retry: { limit: COUNT_RETRIES, delaySeconds: 10, backoff: true },
    timeoutSeconds: 600,
    handle: (payload, context) =>
      photos.process(payload.farmId, payload.sessionId, {
        retryCount: context.retryCount,
        retryLimit: COUNT_RETRIES,
      }),
  });
  registry.define({
    name: 'photos.detections-retention',
    cron: { expression: '41 3 * * *', payload: {} },
    timeoutSeconds: 600,
    handle: async () => void (await photoDetections.applyRetention()),
  });
}
