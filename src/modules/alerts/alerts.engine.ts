import ipaddr from 'ipaddr.js';
import { isDay, type LightPeriod, type LocationTargets } from '../../platform/targets.js';

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

/** What a rule that follows its location's crop targets compares with at a moment. */
export interface FollowedTargets {
  run: { id: string; name: string };
  phase: string;
  period: 'day' | 'night';
  low: number;
  high: number;
  /** The light period that made it day or night (so a person sees why). */
  light: { start: string; hours: number; schedule: { id: string; name: string } | null };
}

/**
 * The metric a rule watches that no device sends: the vapour-pressure deficit (kPa), computed per device
 * from its temperature and humidity readings of the same moment.
 */
export const VPD = 'vpd';
/** The metrics a rule can follow crop targets on. */
export const FOLLOWABLE_METRICS: readonly string[] = ['temperature', 'humidity', VPD];
/** VPD is compared and shown to 2 decimals: a sensor's ±0.2 °C and ±2 % already move it by ±0.05 kPa. */
export const VPD_DECIMALS = 2;

export function roundVpd(kPa: number): number {
  const scale = 10 ** VPD_DECIMALS;
  return Math.round(kPa * scale) / scale;
}

/** A local minute of the day as HH:MM. */
export function clockTime(minuteOfDay: number): string {
  const m = ((Math.round(minuteOfDay) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const lightView = (light: LightPeriod): FollowedTargets['light'] => ({
  start: clockTime(light.startMinute),
  hours: light.hours,
  schedule: light.schedule,
});

/**
 * The range a rule that follows crop targets compares `metric` with at a local minute of the day: the
 * day or the night range by the location's light period (VPD: the phase's one range, day and night).
 * Null when the phase sets none for the metric (the rule then decides nothing).
 */
export function followedRange(targets: LocationTargets, metric: string, minuteOfDay: number): FollowedTargets | null {
  const period = isDay(targets.light, minuteOfDay) ? 'day' : 'night';
  const range =
    metric === VPD
      ? targets.vpdKpa
      : metric === 'temperature' || metric === 'humidity'
        ? targets.ranges[period][metric]
        : null;
  if (!range) return null;
  return {
    run: targets.run,
    phase: targets.phase,
    period,
    low: range.min,
    high: range.max,
    light: lightView(targets.light),
  };
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

/**
 * Whether a webhook must not reach this address: anything but public unicast — loopback, private,
 * shared (100.64/10), link-local, unique-local, multicast, broadcast, benchmarking (198.18/15),
 * documentation, reserved and unspecified ranges — judged by ipaddr.js's range tables. IPv6 forms
 * that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged
 * by the address they carry; other tunnelling and translation forms (Teredo, local-use NAT64, IPv4-
 * compatible) are refused. Anything that is not an address at all is refused.
 */
export function isPrivateAddress(address: string): boolean {
  return publicAddress(address) === undefined;
}

/** The public unicast address a connection to `address` would really reach, or undefined. */
function publicAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return undefined;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(bare);
  } catch {
    return undefined;
  }
  if (parsed.kind() === 'ipv4') {
    // ipaddr.js also reads 0x7f.1 or 017700000001 as addresses; only the dotted-decimal form is one here.
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(bare) && parsed.range() === 'unicast' ? parsed : undefined;
  }
  const v6 = parsed as ipaddr.IPv6;
  const carried = carriedIPv4(v6);
  if (carried !== null) return carried && publicAddress(carried.toString());
  return v6.range() === 'unicast' ? v6 : undefined;
}

/**
 * The IPv4 address an IPv6 address carries (mapped, NAT64 well-known prefix, 6to4); undefined for a
 * form that carries one in a way not unwrapped here (refused); null when it carries none.
 */
function carriedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined | null {
  const bytes = v6.toByteArray();
  const v4 = (from: number) => new ipaddr.IPv4(bytes.slice(from, from + 4));
  const prefix = (p: string, bits: number) => v6.match(ipaddr.IPv6.parse(p), bits);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (prefix('64:ff9b::', 96)) return v4(12); // NAT64, well-known prefix (RFC 6052)
  if (prefix('2002::', 16)) return v4(2); // 6to4 (RFC 3056)
  const range = v6.range();
  if (['rfc6052', '6to4', 'teredo', 'ipv4Mapped', 'rfc6145'].includes(range)) return undefined;
  if (prefix('::', 96)) return undefined; // IPv4-compatible (deprecated), :: and ::1 too
  return null;
}
