import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { CareService } from './care.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'crops.daily-care': Record<string, never>;
  }
}

/**
 * Every quarter hour: each farm with plants cared for gets its care reminders of the local day as
 * tasks — once per farm and day (a day done is skipped; a task's key is made once).
 */
export function defineCareJobs(registry: JobRegistry, { care }: { care: CareService }): void {
  registry.define({
    name: 'crops.daily-care',
    cron: { expression: '*/15 * * * *', payload: {} },
    handle: async () => void (await care.runDailyCare()),
  });
}
