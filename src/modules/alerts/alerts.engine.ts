import { isIP } from 'node:net';

/**
 * Alert rules and notification rules (Tokkatot's, with what IoT platforms add). Pure: times and
 * local clock readings come in as arguments.
 */

export type Severity = 'info' | 'warning' | 'critical';
export type Aggregate = 'min' | 'max' | 'avg' | 'last' | 'change';
export type Operator = '>' | '>=' | '<' | '<=' | 'outside' | 'inside';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const atLeast = (severity: Severity, minimum: Severity) => SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];

export interface Threshold {
  operator: Operator;
  value?: number | null | undefined;
  low?: number | null | undefined;
  high?: number | null | undefined;
}

/** Whether `actual` breaks the threshold (the alert condition holds). */
export function breaches(t: Threshold, actual: number): boolean {
  switch (t.operator) {
    case '>':
      return actual > t.value!;
    case '>=':
      return actual >= t.value!;
    case '<':
      return actual < t.value!;
    case '<=':
      return actual <= t.value!;
    case 'outside':
      return actual < t.low! || actual > t.high!;
    case 'inside':
      return actual >= t.low! && actual <= t.high!;
  }
}

/** Swarm suspected: the weight fell at least 1 kg from its peak within the window, but not more than ~5 kg (supers lifted off). */
export const SWARM_MIN_DROP_KG = 1;
export const SWARM_MAX_DROP_KG = 5;

export function swarmSuspected(peak: number, last: number, inspectedToday: boolean): boolean {
  const drop = peak - last;
  return !inspectedToday && drop >= SWARM_MIN_DROP_KG && drop <= SWARM_MAX_DROP_KG;
}

/** Whether a rule is silenced at this local month (1–12) and hour (0–23). */
export function excluded(
  rule: { exclude_months: readonly number[]; exclude_hours: readonly number[] },
  month: number,
  hour: number,
): boolean {
  return rule.exclude_months.includes(month) || rule.exclude_hours.includes(hour);
}

/** The alert's type: temperature_high, humidity_low, device_offline … */
export function alertType(rule: { kind: string; metric: string | null; operator: Operator | null }): string {
  if (rule.kind === 'offline') return 'device_offline';
  if (rule.kind === 'silent') return 'device_silent';
  if (rule.kind === 'swarm') return 'swarm_suspected';
  if (rule.kind !== 'threshold') return rule.kind;
  const direction =
    rule.operator === '>' || rule.operator === '>='
      ? 'high'
      : rule.operator === '<' || rule.operator === '<='
        ? 'low'
        : 'out_of_range';
  return `${rule.metric}_${direction}`;
}

/** Whether `minutes` (of the local day) falls in quiet hours from `start` to `end` (HH:MM), which may wrap midnight. */
export function inQuietHours(start: string | null, end: string | null, minutes: number): boolean {
  if (!start || !end) return false;
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const [from, to] = [toMinutes(start), toMinutes(end)];
  if (from === to) return false;
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

export interface Subscription {
  alert_type: string | null;
  min_severity: Severity;
  quiet_start: string | null;
  quiet_end: string | null;
  muted_until: Date | null;
}

/**
 * Whether a subscription delivers this alert now: its type and severity match, it is not muted, and
 * in quiet hours only critical alerts pass.
 */
export function shouldDeliver(
  sub: Subscription,
  alert: { type: string; severity: Severity },
  now: Date,
  localMinutes: number,
): boolean {
  if (sub.alert_type && sub.alert_type !== alert.type) return false;
  if (!atLeast(alert.severity, sub.min_severity)) return false;
  if (sub.muted_until && sub.muted_until > now) return false;
  if (inQuietHours(sub.quiet_start, sub.quiet_end, localMinutes) && alert.severity !== 'critical') return false;
  return true;
}

/** In-app notifications speak of urgency. */
export const notificationSeverity = (s: Severity): 'urgent' | 'important' | 'info' =>
  s === 'critical' ? 'urgent' : s === 'warning' ? 'important' : 'info';

/** Loopback, private, link-local, unique-local and unspecified addresses (a webhook must not reach into the network Croft runs in). */
export function isPrivateAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version === 6) {
    const lower = address.toLowerCase();
    if (lower === '::' || lower === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isPrivateAddress(mapped[1]!);
    return /^fe[89ab]/.test(lower) || /^f[cd]/.test(lower);
  }
  return true; // not an address at all: refuse
}
