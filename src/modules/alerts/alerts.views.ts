import type { FollowedTargets } from './alerts.engine.js';
import type { AlertRow, RuleRow } from './alerts.repository.js';
import type { RuleKind } from './alerts.tables.js';
import type { NotificationRow, SubscriptionRow } from './notifications.repository.js';

export const ruleView = (r: RuleRow, targetsNow?: FollowedTargets | null) => ({
  id: r.id,
  name: r.name,
  // Watched rules are the deciding module's and never listed (alertsRepository.rules/findRule).
  kind: r.kind as Exclude<RuleKind, 'watched'>,
  metric: r.metric,
  device_id: r.device_id,
  location_id: r.location_id,
  operator: r.operator,
  value: r.low !== null && r.high !== null ? ([r.low, r.high] as [number, number]) : r.value,
  aggregate: r.aggregate,
  window_s: r.window_s,
  minutes: r.minutes,
  severity: r.severity,
  exclude_months: r.exclude_months,
  exclude_hours: r.exclude_hours,
  clear_s: r.clear_s,
  enabled: r.enabled,
  follow: r.follow,
  ...(r.follow ? { targets_now: targetsNow ?? null } : {}),
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

/** A new rule, with the warnings its creation gave (when there are any). */
export const newRuleView = (rule: RuleRow, warnings: string[], targetsNow?: FollowedTargets | null) => ({
  ...ruleView(rule, targetsNow),
  ...(warnings.length > 0 ? { warnings } : {}),
});

export function alertView(a: AlertRow) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: a.id,
    rule_id: a.rule_id,
    device_id: a.device_id,
    type: a.type,
    severity: a.severity,
    message: a.message,
    threshold: a.threshold ?? null,
    actual_value: a.actual_value,
    state: a.state,
    triggered_at: a.triggered_at.toISOString(),
    acknowledged_at: iso(a.acknowledged_at),
    acknowledged_by: a.acknowledged_by,
    resolved_at: iso(a.resolved_at),
    resolved_by: a.resolved_by,
  };
}

/** A page of alerts, newest first; the cursor is the oldest one's trigger time when the page is full. */
export const alertPageView = (rows: AlertRow[], limit: number) => ({
  data: rows.map(alertView),
  next_cursor: rows.length === limit ? rows[rows.length - 1]!.triggered_at.toISOString() : null,
});

export const notificationView = (n: NotificationRow) => ({
  id: n.id,
  farm_id: n.farm_id,
  alert_id: n.alert_id,
  title: n.title,
  message: n.message,
  severity: n.severity,
  read: n.read_at !== null,
  created_at: n.created_at.toISOString(),
});

/** A page of the inbox with the unread count; the cursor is the oldest one's creation time when the page is full. */
export const inboxView = ({ data, unread }: { data: NotificationRow[]; unread: number }, limit: number) => ({
  unread,
  next_cursor: data.length === limit ? data[data.length - 1]!.created_at.toISOString() : null,
  data: data.map(notificationView),
});

export const subscriptionView = (s: SubscriptionRow) => ({
  id: s.id,
  farm_id: s.farm_id,
  alert_type: s.alert_type,
  min_severity: s.min_severity,
  channel: s.channel,
  target: s.target,
  secret: s.secret,
  quiet_start: s.quiet_start,
  quiet_end: s.quiet_end,
  time_zone: s.time_zone,
  muted_until: s.muted_until?.toISOString() ?? null,
});
