import type { JobRegistry } from '../../platform/jobs/registry.js';
import { COUNT_RETRIES, type PhotosService } from './photos.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'photos.count': { farmId: string; sessionId: string };
  }
}

/** Counting a photo, queued with the upload: a session's tries, each claiming it first (safe to run twice). */
export function definePhotosJobs(registry: JobRegistry, { photos }: { photos: PhotosService }): void {
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
}
