import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { Config } from '../../platform/config.js';
import { BACKUP_TIME_LIMIT_S, type BackupsService } from './backups.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'backups.daily': Record<string, never>;
  }
}

/**
 * The daily backup at CROFT_BACKUP_AT in its zone, when CROFT_BACKUP_TO is set. Not retried: a second
 * try minutes later meets the same full disk or refused credentials, and the admins are already told.
 */
export function defineBackupsJobs(
  registry: JobRegistry,
  { backups, config }: { backups: BackupsService; config: Config },
) {
  const schedule = config.backupSchedule;
  if (!schedule) return;
  const [hour, minute] = schedule.at.split(':').map(Number);
  registry.define({
    name: 'backups.daily',
    cron: { expression: `${minute} ${hour} * * *`, timeZone: schedule.timeZone, payload: {} },
    retry: { limit: 0, delaySeconds: 60, backoff: false },
    // 10 M readings take about two minutes; a farm ten times that, well under the limit.
    timeoutSeconds: BACKUP_TIME_LIMIT_S,
    handle: async () => void (await backups.scheduled()),
  });
}
