import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { NotificationsService } from '../alerts/index.js';
import { defineTasksJobs } from './tasks.jobs.js';
import { tasksRoutes } from './tasks.routes.js';
import { TasksService } from './tasks.service.js';

export type { TasksService } from './tasks.service.js';
export type { TaskKind, TaskStatus } from './tasks.tables.js';
export { TASK_KINDS } from './tasks.tables.js';
export { TASK_DUE } from './tasks.service.js';
/** What other modules write to and read of the task list inside their own transaction. */
export { taskReads, taskWrites, type GeneratedTask } from './tasks.writes.js';

/**
 * The farm's task list, which every other module feeds: manual tasks and generated ones (care,
 * beekeeping, onboarding …), completed with a client-made id, skipped, reopened, snoozed; each
 * person's "today" across their farms; and the morning digest of due tasks (alert type `task_due`).
 */
export const tasksModule = defineModule({
  name: 'tasks',
  create: (deps: {
    db: Database;
    clock: Clock;
    config: Config;
    log: Logger;
    live: LiveEvents;
    notifications: NotificationsService;
  }) => ({ tasks: new TasksService(deps) }),
  routes: tasksRoutes,
  jobs: defineTasksJobs,
});
