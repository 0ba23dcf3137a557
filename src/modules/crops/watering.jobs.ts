import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { WateringService } from './watering.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'crops.daily-watering': Record<string, never>;
  }
}

/**
 * Every quarter hour: each farm with an active watering schedule gets the watering tasks due by its
 * local time — one per run, channel and day (a task's key is made once, so a second run adds none).
 */
export function defineWateringJobs(registry: JobRegistry, { watering }: { watering: WateringService }): void {
  registry.define({
    name: 'crops.daily-watering',
    cron: { expression: '*/15 * * * *', payload: {} },
    handle: async () => void (await watering.runDailyWatering()),
  });
}
