import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { TasksService } from './tasks.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'tasks.digest': Record<string, never>;
  }
}

/**
 * Every quarter hour: in each farm past its morning digest hour (local, `CROFT_TASK_DIGEST_HOUR`),
 * each person is told of their due tasks — once per farm and local day, however often it runs.
 */
export function defineTasksJobs(registry: JobRegistry, { tasks }: { tasks: TasksService }): void {
  registry.define({
    name: 'tasks.digest',
    cron: { expression: '*/15 * * * *', payload: {} },
    handle: async () => void (await tasks.sendDigests()),
  });
}
