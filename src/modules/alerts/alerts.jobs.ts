import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { AlertsService } from './alerts.service.js';
import type { NotificationsService } from './notifications.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'notifications.webhook': { delivery: string };
    'notifications.email': { to: string; subject: string; text: string };
  }
}

/** The alert sweep (rules on missing data, stale alerts), and deliveries of webhooks and emails. */
export function defineAlertsJobs(
  registry: JobRegistry,
  { alerts, notifications }: { alerts: AlertsService; notifications: NotificationsService },
): void {
  registry.tick({ name: 'alerts.sweep', everyMs: 15_000, run: () => alerts.sweep() });
  // A webhook retries on its own schedule (deliverWebhook sends the next try), so the job never does.
  registry.define({
    name: 'notifications.webhook',
    retry: { limit: 0, delaySeconds: 5, backoff: false },
    handle: (payload) => notifications.deliverWebhook(payload.delivery),
  });
  registry.define({
    name: 'notifications.email',
    retry: { limit: 3, delaySeconds: 30, backoff: true },
    handle: (payload) => notifications.sendEmail(payload),
  });
}
