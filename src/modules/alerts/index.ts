import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { JobRunner } from '../../platform/jobs/runner.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { Targets } from '../../platform/targets.js';
import { defineModule } from '../../platform/module.js';
import { defineAlertsJobs } from './alerts.jobs.js';
import { alertsRoutes } from './alerts.routes.js';
import { AlertsService } from './alerts.service.js';
import { NotificationsService } from './notifications.service.js';

export type { AlertsService, WatchedCondition } from './alerts.service.js';
export type { NotificationsService } from './notifications.service.js';

/** Alert rules and alerts; notifications in the app, by webhook and by email. */
export const alertsModule = defineModule({
  name: 'alerts',
  create: (deps: {
    db: Database;
    clock: Clock;
    config: Config;
    log: Logger;
    live: LiveEvents;
    jobs: JobRunner;
    targets: Targets;
  }) => {
    const notifications = new NotificationsService(deps);
    return { notifications, alerts: new AlertsService({ ...deps, notifications }) };
  },
  routes: alertsRoutes,
  jobs: defineAlertsJobs,
  subscriptions: ({ alerts }) => ({
    'telemetry.readings-arrived': ({ farmId, metrics }) => alerts.readingsArrived(farmId, metrics),
    'schedules.failing': ({ farmId, schedule }) => alerts.scheduleFailing(farmId, schedule.device_id, schedule.name),
  }),
});
