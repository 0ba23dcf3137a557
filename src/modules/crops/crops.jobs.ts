import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { GrowthService } from './growth.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'crops.daily-growth': Record<string, never>;
  }
}

/**
 * Every quarter hour: each farm whose local day has closed (and whose rollups of it are final) gets
 * its plants' phases moved by days, growing degree days or dormancy — once per farm and day.
 */
export function defineCropsJobs(registry: JobRegistry, { growth }: { growth: GrowthService }): void {
  registry.define({
    name: 'crops.daily-growth',
    cron: { expression: '*/15 * * * *', payload: {} },
    handle: async () => void (await growth.runDailyGrowth()),
  });
}
