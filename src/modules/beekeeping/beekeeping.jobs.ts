import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { BeekeepingService } from './beekeeping.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'beekeeping.inspections-due': Record<string, never>;
  }
}

/** Hourly: beekeepers are reminded of inspections that are due. */
export function defineBeekeepingJobs(registry: JobRegistry, { beekeeping }: { beekeeping: BeekeepingService }): void {
  registry.define({
    name: 'beekeeping.inspections-due',
    cron: { expression: '5 * * * *', payload: {} },
    handle: async () => void (await beekeeping.remindInspections()),
  });
}
