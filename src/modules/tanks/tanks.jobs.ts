import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { TanksService } from './tanks.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'tanks.daily': Record<string, never>;
  }
}

/**
 * Every quarter hour: maintenance due (or due soon) becomes tasks, one per tank, item and due day, and a
 * solution over its age limit raises its alert and a task. Idempotent: a task's key is made once.
 */
export function defineTanksJobs(registry: JobRegistry, { tanks }: { tanks: TanksService }): void {
  registry.define({
    name: 'tanks.daily',
    cron: { expression: '*/15 * * * *', payload: {} },
    handle: async () => void (await tanks.runDaily()),
  });
}
