import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { Aggregate, Operator, Severity } from './alerts.engine.js';

/** `watched`: a condition another module decides itself (a tank's pH …); not among the farm's own rules. */
export type RuleKind = 'threshold' | 'offline' | 'silent' | 'schedule_failed' | 'low_battery' | 'swarm' | 'watched';
export type AlertState = 'triggered' | 'acknowledged' | 'resolved';

export interface AlertRuleTable {
  id: Generated<string>;
  farm_id: string;
  name: string;
  kind: RuleKind;
  metric: string | null;
  device_id: string | null;
  location_id: string | null;
  operator: Operator | null;
  value: number | null;
  low: number | null;
  high: number | null;
  aggregate: Aggregate | null;
  window_s: number | null;
  minutes: number | null;
  severity: Severity;
  exclude_months: number[];
  exclude_hours: number[];
  clear_s: number;
  enabled: boolean;
  preset: string | null;
  /** Follows the location's crop targets (phase_target) instead of its own operator and value. */
  follow: Generated<'phase_target' | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AlertTable {
  id: Generated<string>;
  farm_id: string;
  rule_id: string;
  device_id: string | null;
  type: string;
  severity: Severity;
  message: string;
  threshold: unknown;
  actual_value: number | null;
  state: AlertState;
  triggered_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  clear_since: Timestamp | null;
}

export interface NotificationSubscriptionTable {
  id: Generated<string>;
  user_id: string;
  farm_id: string | null;
  alert_type: string | null;
  min_severity: Severity;
  channel: 'in_app' | 'webhook' | 'email';
  target: string | null;
  secret: string | null;
  quiet_start: string | null;
  quiet_end: string | null;
  time_zone: string;
  muted_until: Timestamp | null;
  created_at: Timestamp;
}

export interface NotificationTable {
  id: Generated<string>;
  user_id: string;
  farm_id: string | null;
  alert_id: string | null;
  title: string;
  message: string;
  severity: 'urgent' | 'important' | 'info';
  data: Record<string, unknown>;
  read_at: Timestamp | null;
  created_at: Timestamp;
}

export interface WebhookDeliveryTable {
  id: Generated<string>;
  user_id: string;
  subscription_id: string;
  notification_id: string | null;
  url: string;
  body: string;
  attempts: unknown;
  status: 'pending' | 'delivered' | 'failed';
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    alert_rules: AlertRuleTable;
    alerts: AlertTable;
    notification_subscriptions: NotificationSubscriptionTable;
    notifications: NotificationTable;
    webhook_deliveries: WebhookDeliveryTable;
  }
}
