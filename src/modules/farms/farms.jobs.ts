import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { FarmsService } from './farms.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'farms.purge': Record<string, never>;
  }
}

/** Deleted farms are purged for good once CROFT_FARM_PURGE_DAYS have passed, once a night. */
export function defineFarmsJobs(registry: JobRegistry, deps: { farms: FarmsService }): void {
  registry.define({
    name: 'farms.purge',
    cron: { expression: '17 3 * * *', payload: {} },
    handle: async (_payload, context) => {
      const purged = await deps.farms.purgeDeleted();
      if (purged > 0) context.log.info({ purged }, 'deleted farms purged');
    },
  });
}
