import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { Hooks } from '../../platform/hooks.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { Targets } from '../../platform/targets.js';
import { defineModule } from '../../platform/module.js';
import type { CommandsService } from '../devices/index.js';
import { defineSchedulesJobs } from './schedules.jobs.js';
import { schedulesRoutes } from './schedules.routes.js';
import { SchedulesService } from './schedules.service.js';

export type { PhotoperiodChange, SchedulesService } from './schedules.service.js';

interface SchedulesDeps {
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
  hooks: Hooks;
  commands: CommandsService;
  targets: Targets;
}

/** Schedules that drive devices: by the clock, in on/off cycles, or on a condition of the readings. */
export const schedulesModule = defineModule({
  name: 'schedules',
  create: (deps: SchedulesDeps) => ({ schedules: new SchedulesService(deps) }),
  routes: schedulesRoutes,
  jobs: defineSchedulesJobs,
  subscriptions: ({ schedules }) => ({
    'telemetry.readings-arrived': ({ farmId }) => schedules.readingsArrived(farmId),
    'commands.finished': ({ farmId, command }) => schedules.commandFinished(farmId, command),
  }),
});
