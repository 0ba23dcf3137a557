import { createHmac, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Role } from '../../platform/tenancy/access.js';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { JobRunner } from '../../platform/jobs/runner.js';
import type { Logger } from '../../platform/logger.js';
import { isTimeZone, localTime } from '../../platform/time-zones.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { isPrivateAddress, notificationSeverity, shouldDeliver } from './alerts.engine.js';
import type { AlertRow } from './alerts.repository.js';
import { farmReads } from '../farms/index.js';
import { userReads } from '../identity/index.js';
import { notificationsRepository, type NotificationRow, type SubscriptionRow } from './notifications.repository.js';
import type { InboxQuery, NewSubscription } from './alerts.schemas.js';
import { WebhookClient } from './webhook.client.js';

interface Deps {
  /** Webhook and email deliveries are jobs. */
  jobs: JobRunner;
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
}

/** Without any subscription of their own, members get in-app notifications of warnings and worse. */
const DEFAULT_SUBSCRIPTION = {
  alert_type: null,
  min_severity: 'warning' as const,
  channel: 'in_app' as const,
  target: null,
  secret: null,
  quiet_start: null,
  quiet_end: null,
  time_zone: 'UTC',
  muted_until: null,
};

const minutesOfDay = (at: Date, zone: string) => localTime(at, zone).minuteOfDay;

/**
 * Each person's notifications: subscriptions (type, severity, channel, quiet hours, mute), the in-app
 * inbox across their farms (pushed on their live channel), signed webhooks retried at 5 s, 25 s and
 * 125 s, and email through SMTP when configured.
 */
export class NotificationsService {
  #mail: Transporter | undefined;
  readonly #webhooks: WebhookClient;

  constructor(private readonly deps: Deps) {
    this.#webhooks = new WebhookClient(deps.config.webhookAllowPrivate);
    if (deps.config.smtpUrl) this.#mail = nodemailer.createTransport(deps.config.smtpUrl);
  }

  // Subscriptions

  async subscribe(userId: string, input: NewSubscription) {
    if (input.channel !== 'in_app' && !input.target)
      throw invalid('A webhook or email subscription needs a target', {
        fields: [{ field: 'body.target', message: 'is required' }],
      });
    if (input.channel === 'webhook') await this.#checkWebhook(input.target!);
    if (input.channel === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.target!))
      throw invalid('Not an email address', { fields: [{ field: 'body.target', message: 'is not an email address' }] });
    if (input.channel === 'email' && !this.#mail)
      throw invalid(
        'Email is not configured on this Croft (CROFT_SMTP_URL)',
        { fields: [{ field: 'body.channel', message: 'email is not configured' }] },
        'EMAIL_NOT_CONFIGURED',
      );
    if (input.time_zone !== undefined && !isTimeZone(input.time_zone))
      throw invalid(`"${input.time_zone}" is not a time zone (an IANA name such as Asia/Phnom_Penh)`, {
        fields: [{ field: 'body.time_zone', message: 'is not a known IANA time zone' }],
      });
    if (((input.quiet_start ?? null) === null) !== ((input.quiet_end ?? null) === null))
      throw invalid('Quiet hours need a start and an end', {
        fields: [{ field: 'body.quiet_end', message: 'goes with quiet_start' }],
      });
    // The system scope, because the farm's limit counts other members' subscriptions too; every query
    // names the person.
    return this.deps.db.system(async (tx) => {
      let farmId: string | null = null;
      if (input.farm) {
        farmId = (await notificationsRepository.memberFarm(tx, userId, input.farm)) ?? null;
        if (!farmId) throw notFound('Farm', { farm: input.farm });
      }
      const counts = await notificationsRepository.subscriptionCounts(tx, userId, farmId);
      const { subscriptionsPerUser, subscriptionsPerFarm } = this.deps.config;
      if (counts.own >= subscriptionsPerUser)
        throw conflict(
          'SUBSCRIPTION_LIMIT',
          `You have ${counts.own} notification subscriptions, the most one person may hold; remove one first`,
          { limit: subscriptionsPerUser, per: 'user' },
        );
      const full = counts.farms.find((f) => f.n >= subscriptionsPerFarm);
      if (full)
        throw conflict(
          'SUBSCRIPTION_LIMIT',
          `${full.n} notification subscriptions already reach this farm, the most one farm may have`,
          { limit: subscriptionsPerFarm, per: 'farm', farm_id: full.farm_id },
        );
      return notificationsRepository.insertSubscription(tx, {
        user_id: userId,
        farm_id: farmId,
        alert_type: input.alert_type ?? null,
        min_severity: input.min_severity ?? 'info',
        channel: input.channel,
        target: input.channel === 'in_app' ? null : input.target!,
        secret: input.channel === 'webhook' ? randomBytes(24).toString('base64url') : null,
        quiet_start: input.quiet_start ?? null,
        quiet_end: input.quiet_end ?? null,
        time_zone: input.time_zone ?? 'UTC',
        muted_until: null,
        created_at: this.deps.clock.now(),
      });
    });
  }

  subscriptions(userId: string) {
    return this.deps.db.user(userId, (tx) => notificationsRepository.subscriptions(tx, userId));
  }

  async unsubscribe(userId: string, id: string): Promise<void> {
    if (!(await this.deps.db.user(userId, (tx) => notificationsRepository.removeSubscription(tx, userId, id))))
      throw notFound('Subscription', { id });
  }

  /** Mutes a subscription for some hours (1, 4 or 24), or unmutes it (0). */
  async mute(userId: string, id: string, hours: number) {
    const until = hours === 0 ? null : new Date(this.deps.clock.now().getTime() + hours * 3_600_000);
    const row = await this.deps.db.user(userId, (tx) => notificationsRepository.mute(tx, userId, id, until));
    if (!row) throw notFound('Subscription', { id });
    return row;
  }

  // Delivery

  /** An alert was triggered: every member of the farm whose subscriptions take it is told, on each channel. */
  async alertTriggered(farmId: string, alert: AlertRow): Promise<void> {
    const now = this.deps.clock.now();
    const { members, subscriptions, farm } = await this.deps.db.system(async (tx) => ({
      farm: (await farmReads.byId(tx, farmId)) ?? { name: '', slug: '' },
      ...(await notificationsRepository.audience(tx, farmId)),
    }));
    for (const userId of members) {
      try {
        await this.#tellMember(userId, farmId, farm, alert, subscriptions, now);
      } catch (error) {
        // One person's failure (a queue or database hiccup) must not keep the alert from the others.
        this.deps.log.error({ err: error, userId, farmId, alertId: alert.id }, 'notifying a member failed');
      }
    }
  }

  /** One member's in-app notification, then a webhook or email per subscription that takes the alert. */
  async #tellMember(
    userId: string,
    farmId: string,
    farm: { name: string; slug: string },
    alert: AlertRow,
    subscriptions: SubscriptionRow[],
    now: Date,
  ): Promise<void> {
    const own = subscriptions.filter((s) => s.user_id === userId);
    const chosen = (own.length > 0 ? own : [{ ...DEFAULT_SUBSCRIPTION, id: null, user_id: userId }]).filter((s) =>
      this.#takes(s, alert, now),
    );
    if (chosen.length === 0) return;
    const title = `${alert.severity === 'critical' ? '⚠ ' : ''}${alert.message}`.slice(0, 100);
    const notification = await this.#inApp(userId, farmId, {
      alert_id: alert.id,
      title,
      message: `${farm.name}: ${alert.message}`,
      severity: notificationSeverity(alert.severity),
      data: { alert_type: alert.type },
    });
    for (const sub of chosen) {
      try {
        if (sub.channel === 'webhook' && sub.id)
          await this.#queueWebhook(userId, sub as typeof sub & { id: string }, notification.id, {
            event: 'alert.triggered',
            farm: { id: farmId, slug: farm.slug },
            alert: {
              id: alert.id,
              type: alert.type,
              severity: alert.severity,
              message: alert.message,
              actual_value: alert.actual_value,
              triggered_at: alert.triggered_at.toISOString(),
            },
          });
        if (sub.channel === 'email' && sub.target)
          await this.deps.jobs.send('notifications.email', {
            to: sub.target,
            subject: `[Croft] ${title}`,
            text: `${farm.name}\n\n${alert.message}`,
          });
      } catch (error) {
        this.deps.log.error(
          { err: error, subscriptionId: sub.id, alertId: alert.id },
          'queueing a notification failed',
        );
      }
    }
  }

  /**
   * A reminder to every member of a farm (in-app, pushed live) — or only to those holding one of
   * `roles`, or only to the members among `users` — as their subscriptions allow (severity: warning;
   * `type` is the alert type a subscription may name).
   */
  async remind(
    farmId: string,
    reminder: { title: string; message: string; type: string; data: Record<string, unknown> },
    options: { roles?: readonly Role[]; users?: readonly string[] } = {},
  ): Promise<void> {
    const now = this.deps.clock.now();
    const { members, subscriptions } = await this.deps.db.system((tx) =>
      notificationsRepository.audience(tx, farmId, 'in_app', options.roles),
    );
    const chosen = options.users ? new Set(options.users) : undefined;
    for (const userId of chosen ? members.filter((m) => chosen.has(m)) : members) {
      const own = subscriptions.filter((s) => s.user_id === userId);
      const subs = own.length > 0 ? own : [{ ...DEFAULT_SUBSCRIPTION, user_id: userId }];
      if (!subs.some((s) => this.#takes(s, { type: reminder.type, severity: 'warning' }, now))) continue;
      try {
        await this.#inApp(userId, farmId, {
          alert_id: null,
          title: reminder.title,
          message: reminder.message,
          severity: 'important',
          data: { type: reminder.type, ...reminder.data },
        });
      } catch (error) {
        this.deps.log.error({ err: error, userId, farmId }, 'reminding a member failed');
      }
    }
  }

  /**
   * A notice about the instance itself (a scheduled backup failed) to every instance admin: in the app
   * (with no farm), and by email to their account's address when this Croft sends email. Returns how
   * many admins were told.
   */
  async tellInstanceAdmins(notice: { title: string; message: string; type: string; data: Record<string, unknown> }) {
    const admins = await this.deps.db.system((tx) => userReads.instanceAdmins(tx));
    let told = 0;
    for (const admin of admins) {
      try {
        await this.#inApp(admin.id, null, {
          alert_id: null,
          title: notice.title.slice(0, 100),
          message: notice.message,
          severity: 'urgent',
          data: { type: notice.type, ...notice.data },
        });
        if (this.#mail)
          await this.deps.jobs.send('notifications.email', {
            to: admin.email,
            subject: `[Croft] ${notice.title}`,
            text: notice.message,
          });
        told += 1;
      } catch (error) {
        this.deps.log.error({ err: error, userId: admin.id }, 'telling an instance admin failed');
      }
    }
    return told;
  }

  /**
   * Whether one subscription takes this alert now. A subscription that cannot be judged (a time zone
   * this runtime does not know, stored before zones were checked) is skipped and logged: it never
   * stops the others.
   */
  #takes(
    sub: Parameters<typeof shouldDeliver>[0] & { id?: string | null; time_zone: string },
    alert: { type: string; severity: AlertRow['severity'] },
    now: Date,
  ): boolean {
    try {
      return shouldDeliver(sub, alert, now, minutesOfDay(now, sub.time_zone));
    } catch (error) {
      this.deps.log.error(
        { err: error, subscriptionId: sub.id ?? null, timeZone: sub.time_zone },
        'a notification subscription cannot be judged (skipped)',
      );
      return false;
    }
  }

  /** Into the person's inbox, and pushed on their live channel. */
  async #inApp(
    userId: string,
    farmId: string | null,
    n: Pick<NotificationRow, 'alert_id' | 'title' | 'message' | 'severity' | 'data'>,
  ): Promise<NotificationRow> {
    const row = await this.deps.db.system((tx) =>
      notificationsRepository.insertNotification(tx, {
        user_id: userId,
        farm_id: farmId,
        ...n,
        read_at: null,
        created_at: this.deps.clock.now(),
      }),
    );
    this.deps.live.notification(userId, {
      id: row.id,
      farm_id: farmId,
      alert_id: row.alert_id,
      title: row.title,
      message: row.message,
      severity: row.severity,
      created_at: row.created_at.toISOString(),
    });
    return row;
  }

  inbox(userId: string, query: InboxQuery & { limit: number }) {
    const before = query.cursor ? new Date(query.cursor) : undefined;
    return this.deps.db.user(userId, (tx) => notificationsRepository.inbox(tx, userId, before, query.limit));
  }

  async markRead(userId: string, id: string | 'all'): Promise<void> {
    const mine = await this.deps.db.user(userId, (tx) =>
      notificationsRepository.markRead(tx, userId, id, this.deps.clock.now()),
    );
    if (!mine) throw notFound('Notification', { id });
  }

  // Webhooks

  /**
   * At subscribing, for a clear answer: refuses targets that are not http(s) or that resolve to an address
   * that is not public (unless allowed). Delivery judges the target again where it connects.
   */
  async #checkWebhook(target: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw invalid('The webhook target is not a URL', { fields: [{ field: 'body.target', message: 'is not a URL' }] });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw invalid('Webhooks go to http(s) URLs', { fields: [{ field: 'body.target', message: 'must be http(s)' }] });
    if (this.deps.config.webhookAllowPrivate) return;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = await lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      throw invalid(
        'The webhook target is in a private, loopback or link-local network (or does not resolve)',
        { fields: [{ field: 'body.target', message: 'is not a public address' }] },
        'WEBHOOK_TARGET_REFUSED',
      );
    }
  }

  async #queueWebhook(
    userId: string,
    sub: { id: string; target: string | null },
    notificationId: string,
    payload: object,
  ): Promise<void> {
    const body = JSON.stringify(payload);
    const delivery = await this.deps.db.system((tx) =>
      notificationsRepository.insertDelivery(tx, {
        user_id: userId,
        subscription_id: sub.id,
        notification_id: notificationId,
        url: sub.target!,
        body,
        attempts: JSON.stringify([]),
        status: 'pending',
        created_at: this.deps.clock.now(),
      }),
    );
    await this.deps.jobs.send('notifications.webhook', { delivery: delivery.id });
  }

  /** One try of a webhook delivery (a job); a failure schedules the next try, until three retries are spent. */
  async deliverWebhook(deliveryId: string): Promise<void> {
    const found = await this.deps.db.system((tx) => notificationsRepository.delivery(tx, deliveryId));
    if (!found || found.status !== 'pending') return;
    const attempts = (found.attempts as Array<Record<string, unknown>>) ?? [];
    const at = this.deps.clock.now();
    let outcome: { status: number | null; error: string | null };
    let refusedTarget = false;
    try {
      const signature = createHmac('sha256', found.secret ?? '')
        .update(found.body)
        .digest('hex');
      // The target is judged again where it is reached: its address when written in the URL, each
      // address its name resolves to when the connection is made (once, so a rebinding name gets nowhere).
      const status = await this.#webhooks.post(found.url, found.body, {
        'content-type': 'application/json',
        'x-croft-signature': `sha256=${signature}`,
        'x-croft-delivery': deliveryId,
        'user-agent': 'Croft-Webhook',
      });
      outcome = { status, error: status >= 200 && status < 300 ? null : `HTTP ${status}` };
    } catch (error) {
      outcome = { status: null, error: (error as Error).message };
      refusedTarget = (error as { code?: unknown }).code === 'WEBHOOK_TARGET_REFUSED';
    }
    const tries = [...attempts, { at: at.toISOString(), ...outcome }];
    const failedFor = tries.length - 1; // retries already spent
    const done = outcome.error === null;
    const delays = this.deps.config.webhookRetryS;
    // A target refused as not public is not tried again.
    const giveUp = !done && (refusedTarget || failedFor >= delays.length);
    await this.deps.db.system((tx) =>
      notificationsRepository.recordAttempts(tx, deliveryId, tries, done ? 'delivered' : giveUp ? 'failed' : 'pending'),
    );
    if (!done && !giveUp)
      await this.deps.jobs.send(
        'notifications.webhook',
        { delivery: deliveryId },
        { startAfterSeconds: delays[failedFor]! },
      );
  }

  deliveries(userId: string) {
    return this.deps.db.user(userId, (tx) => notificationsRepository.deliveries(tx, userId));
  }

  async sendEmail(message: { to: string; subject: string; text: string }): Promise<void> {
    if (!this.#mail) return;
    await this.#mail.sendMail({ from: this.deps.config.smtpFrom, ...message });
  }
}
