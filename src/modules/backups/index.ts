import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { NotificationsService } from '../alerts/index.js';
import { defineBackupsJobs } from './backups.jobs.js';
import { backupsRoutes } from './backups.routes.js';
import { BackupsService } from './backups.service.js';

export type { BackupsService, BackupRun } from './backups.service.js';

/** The instance's backups: daily by settings, or when `croft backup` asks the server; each recorded. */
export const backupsModule = defineModule({
  name: 'backups',
  create: (deps: { db: Database; clock: Clock; config: Config; log: Logger; notifications: NotificationsService }) => ({
    backups: new BackupsService({
      ...deps,
      log: deps.log.child({ component: 'backups' }),
      // Loaded when a backup runs: a start does not pay for the archive code.
      write: async (file) =>
        (await import('../../platform/backup/instance.js')).backupInstance(deps.db, deps.config, file),
    }),
  }),
  routes: backupsRoutes,
  jobs: defineBackupsJobs,
  start: ({ backups }) => backups.prepare(),
});
