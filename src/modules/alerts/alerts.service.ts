import type { Clock } from '../../platform/clock.js';
import type { Targets } from '../../platform/targets.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { PerKeyCoalescer } from '../../platform/coalesce.js';
import { localTime } from '../../platform/time-zones.js';
import { deviceReads } from '../devices/index.js';
import { farmReads } from '../farms/index.js';
import { locationReads } from '../locations/index.js';
import { recordAudit } from '../audit/index.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import type { LiveEvents } from '../../platform/live/events.js';
import {
  alertType,
  breaches,
  excluded,
  FOLLOWABLE_METRICS,
  followedRange,
  roundVpd,
  swarmSuspected,
  VPD,
  type FollowedTargets,
  type Severity,
} from './alerts.engine.js';
import { alertsRepository, type AlertRow, type RuleRow } from './alerts.repository.js';
import type { AlertState } from './alerts.tables.js';
import type { NotificationsService } from './notifications.service.js';
import type { AlertsQuery, NewRule, RulePatch } from './alerts.schemas.js';
import { alertView } from './alerts.views.js';
import { RefreshedSet } from '../../platform/refreshed-set.js';

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
  notifications: NotificationsService;
  /** A location's crop targets, for rules that follow them. */
  targets: Targets;
}

/** A condition another module decides itself (see {@link AlertsService.watch}): breached, or clear (null). */
export interface WatchedCondition {
  /** The condition, one per location (e.g. `ph`). */
  key: string;
  /** What the alert is about, leading its message (e.g. the tank's name). */
  name: string;
  breach: { type: string; severity: Severity; message: string; actual: number | null } | null;
}

/** Alert rules, their evaluation (as readings arrive, and by the sweep), and alerts' lifecycle. */
export class AlertsService {
  /** Farms with rules: only they are evaluated. */
  #farms = new RefreshedSet<string>(30_000, () => this.deps.db.system((tx) => alertsRepository.farmsWithRules(tx)));
  readonly #evaluations = new PerKeyCoalescer<ReadonlySet<string> | 'all'>(
    (farmId, metrics) => this.#evaluate(farmId, metrics === 'all' ? undefined : metrics),
    (a, b) => (a === 'all' || b === 'all' ? 'all' : new Set([...a, ...b])),
    (error, farmId) => this.deps.log.error({ err: error, farmId }, 'alert rules not evaluated'),
  );

  constructor(private readonly deps: Deps) {}

  // Rules

  async createRule(
    ctx: FarmContext,
    input: NewRule,
    meta: RequestMeta,
  ): Promise<{ rule: RuleRow; warnings: string[] }> {
    const now = this.deps.clock.now();
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const fields = await this.#fields(tx, ctx.farmId, input);
      const rule = await alertsRepository.insertRule(tx, {
        farm_id: ctx.farmId,
        name: input.name.trim(),
        ...fields,
        created_at: now,
        updated_at: now,
      });
      const warnings: string[] = [];
      if (rule.metric === VPD) {
        if (!(await alertsRepository.vpdSourceExists(tx, ctx.farmId, rule)))
          warnings.push(
            rule.device_id
              ? 'VPD needs a device reporting both temperature and humidity: this one has not sent both yet; the rule waits for them'
              : 'VPD needs a device reporting both temperature and humidity: none at this location has sent both yet; the rule waits for one',
          );
      } else if (rule.metric && !(await alertsRepository.metricKnown(tx, ctx.farmId, rule.metric))) {
        warnings.push(`Nothing has sent "${rule.metric}" yet: the rule waits for the first reading`);
      }
      if (rule.follow && !(await this.#followed(tx, ctx.farmId, rule, now, ctx.timeZone)))
        warnings.push(`The crop's current phase sets no ${rule.metric} range: the rule decides nothing until one does`);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'alert_rule.created',
        category: 'alerts',
        message: `Alert rule ${rule.name} created`,
        data: { rule_id: rule.id },
      });
      return { rule, warnings };
    });
    this.#farms.add(ctx.farmId);
    return result;
  }

  async updateRule(ctx: FarmContext, id: string, patch: RulePatch, meta: RequestMeta): Promise<RuleRow> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await alertsRepository.findRule(tx, ctx.farmId, id);
      if (!current) throw notFound('Alert rule', { id });
      const merged: NewRule = {
        name: patch.name ?? current.name,
        kind: patch.kind ?? current.kind,
        metric: patch.metric ?? current.metric ?? undefined,
        device: patch.device ?? current.device_id ?? undefined,
        location: patch.location ?? current.location_id ?? undefined,
        operator: patch.operator ?? current.operator ?? undefined,
        value:
          patch.value ??
          (current.low !== null && current.high !== null ? [current.low, current.high] : (current.value ?? undefined)),
        aggregate: patch.aggregate ?? current.aggregate ?? undefined,
        window_s: patch.window_s ?? current.window_s ?? undefined,
        minutes: patch.minutes ?? current.minutes ?? undefined,
        severity: patch.severity ?? current.severity,
        exclude_months: patch.exclude_months ?? current.exclude_months,
        exclude_hours: patch.exclude_hours ?? current.exclude_hours,
        clear_s: patch.clear_s ?? current.clear_s,
        enabled: patch.enabled ?? current.enabled,
        follow: patch.follow !== undefined ? patch.follow : current.follow,
      };
      const fields = await this.#fields(tx, ctx.farmId, merged);
      const rule = await alertsRepository.updateRule(tx, ctx.farmId, id, {
        ...fields,
        name: merged.name.trim(),
        updated_at: this.deps.clock.now(),
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'alert_rule.updated',
        category: 'alerts',
        message: `Alert rule ${merged.name} changed`,
        data: { rule_id: id },
      });
      return rule!;
    });
  }

  async removeRule(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      if (!(await alertsRepository.removeRule(tx, ctx.farmId, id))) throw notFound('Alert rule', { id });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'alert_rule.deleted',
        category: 'alerts',
        severity: 'warning',
        message: 'Alert rule deleted (with its alerts)',
        data: { rule_id: id },
      });
    });
  }

  /**
   * Switches a preset rule of a location on (made or brought up to date) or off (removed): the
   * insights a beekeeper turns on per apiary are such presets.
   */
  async applyPreset(
    ctx: FarmContext,
    locationId: string,
    preset: string,
    input: NewRule | null,
    meta: RequestMeta,
  ): Promise<RuleRow | null> {
    const now = this.deps.clock.now();
    const rule = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = (await alertsRepository.rules(tx, ctx.farmId)).find(
        (r) => r.location_id === locationId && r.preset === preset,
      );
      if (!input) {
        if (current) await alertsRepository.removeRule(tx, ctx.farmId, current.id);
        return null;
      }
      const fields = await this.#fields(tx, ctx.farmId, { ...input, location: locationId });
      const rule = current
        ? await alertsRepository.updateRule(tx, ctx.farmId, current.id, {
            ...fields,
            name: input.name,
            updated_at: now,
          })
        : await alertsRepository.insertRule(tx, {
            farm_id: ctx.farmId,
            name: input.name,
            ...fields,
            preset,
            created_at: now,
            updated_at: now,
          });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'alert_rule.preset',
        category: 'alerts',
        message: `${input.name} switched on`,
        data: { rule_id: rule!.id, preset, location_id: locationId },
      });
      return rule!;
    });
    if (rule) this.#farms.add(ctx.farmId);
    return rule;
  }

  /** Preset rules of a location, by preset. */
  presets(ctx: FarmContext, locationId: string): Promise<RuleRow[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) =>
      (await alertsRepository.rules(tx, ctx.farmId)).filter((r) => r.location_id === locationId && r.preset !== null),
    );
  }

  /** Active alerts on these devices (a hive shows its scale's). */
  activeOn(ctx: FarmContext, deviceIds: string[]): Promise<AlertRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => alertsRepository.activeOnDevices(tx, ctx.farmId, deviceIds));
  }

  /** The farm's rules that follow crop targets (what crops names in the audit log when a place's targets change). */
  async followingRules(tx: Tx, farmId: string): Promise<RuleRow[]> {
    return (await alertsRepository.rules(tx, farmId)).filter((r) => r.follow === 'phase_target');
  }

  rules(ctx: FarmContext): Promise<RuleRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => alertsRepository.rules(tx, ctx.farmId));
  }

  /** The stored columns of a rule, checked: what each kind needs, and devices and locations of this farm. */
  async #fields(tx: Tx, farmId: string, input: NewRule) {
    const problems: Array<{ field: string; message: string }> = [];
    const need = (ok: boolean, field: string, message: string) =>
      void (ok || problems.push({ field: `body.${field}`, message }));
    let device: string | null = null;
    if (input.device) {
      const found = await deviceReads.find(tx, farmId, input.device);
      need(found !== undefined, 'device', 'no such device in this farm');
      device = found?.id ?? null;
    }
    let location: string | null = null;
    let locationType: string | null = null;
    if (input.location) {
      const found = await locationReads.find(tx, farmId, input.location);
      need(found !== undefined, 'location', 'no such location in this farm');
      location = found?.id ?? null;
      locationType = found?.type ?? null;
    }
    const follow = input.follow ?? null;
    if (follow) {
      need(input.kind === 'threshold', 'follow', 'only a threshold rule follows crop targets');
      need(location !== null, 'location', 'a rule that follows crop targets watches a location');
      need(
        input.metric !== undefined && FOLLOWABLE_METRICS.includes(input.metric),
        'metric',
        'a rule that follows crop targets watches temperature, humidity or vpd',
      );
      need(
        input.operator === undefined && input.value === undefined,
        'value',
        'the crop targets set the range: no operator or value (follow: null pins the rule to its own)',
      );
    }
    const range = Array.isArray(input.value);
    let operator = follow ? 'outside' : (input.operator ?? null);
    let metric = input.metric ?? null;
    let value = range ? null : ((input.value as number | undefined) ?? null);
    let aggregate = input.aggregate ?? null;
    let window = input.window_s ?? null;
    if (input.kind === 'low_battery') {
      metric ??= 'battery';
      operator ??= '<';
      value ??= 20;
      aggregate ??= 'last';
      window ??= 3600;
    }
    if (input.kind === 'threshold' || input.kind === 'low_battery') {
      need(metric !== null, 'metric', 'a threshold rule watches a metric');
      need(operator !== null, 'operator', 'is required');
      need(aggregate !== null, 'aggregate', 'is required (min, max, avg, last or change)');
      need(window !== null && window >= 1, 'window_s', 'is required (seconds the aggregate looks back)');
      const wantsRange = operator === 'outside' || operator === 'inside';
      if (!follow)
        need(
          wantsRange ? range : !range && value !== null,
          'value',
          wantsRange ? 'must be [low, high]' : 'must be a number',
        );
      if (range)
        need((input.value as number[])[0]! <= (input.value as number[])[1]!, 'value', 'low must not be above high');
    }
    if (input.kind === 'offline' || input.kind === 'silent')
      need(input.minutes !== undefined, 'minutes', 'is required');
    if (input.kind === 'swarm') {
      metric = 'weight';
      window ??= 900;
      if (location) need(locationType === 'apiary', 'location', 'must be an apiary');
    }
    if (metric === VPD) {
      // Computed from one device's temperature and humidity: only a threshold rule reads it, and it must
      // say whose (a location's devices or one device), not every device of the farm.
      need(
        input.kind === 'threshold',
        'metric',
        'vpd is computed from temperature and humidity: only a threshold rule watches it',
      );
      need(
        input.device !== undefined || input.location !== undefined,
        'location',
        'a vpd rule watches a location or a device (VPD comes from a device reporting both temperature and humidity)',
      );
    }
    need(!(device && location), 'location', 'name a device or a location, not both');
    if (problems.length > 0)
      throw invalid(problems.map((p) => `${p.field.slice(5)} ${p.message}`).join('; '), { fields: problems });
    // A rule that follows targets needs them now: none, or several runs and none chosen, is refused (422).
    if (follow) await this.deps.targets.require(tx, farmId, location!);
    return {
      follow,
      kind: input.kind,
      metric,
      device_id: device,
      location_id: location,
      operator,
      value,
      low: range ? (input.value as number[])[0]! : null,
      high: range ? (input.value as number[])[1]! : null,
      aggregate,
      window_s: window,
      minutes: input.minutes ?? null,
      severity: input.severity,
      exclude_months: input.exclude_months ?? [],
      exclude_hours: input.exclude_hours ?? [],
      clear_s: input.clear_s ?? 60,
      enabled: input.enabled ?? true,
    };
  }

  // Evaluation

  /** Readings arrived for a farm: its rules on those metrics look again (at once skipped when it has none). */
  readingsArrived(farmId: string, metrics: ReadonlySet<string>): void {
    if (!this.#farms.has(farmId)) return;
    void this.evaluate(farmId, metrics).catch((error: unknown) =>
      this.deps.log.error({ err: error, farmId }, 'alert rules not evaluated'),
    );
  }

  /**
   * Evaluates the farm's rules now — those on `metrics`, or all — one evaluation at a time per farm;
   * what is asked meanwhile runs once more after it.
   */
  evaluate(farmId: string, metrics?: ReadonlySet<string>): Promise<void> {
    return this.#evaluations.request(farmId, metrics ?? 'all');
  }

  /** The sweep (every 15 s where jobs run): every farm with rules, for presence, silence and clearing. */
  async sweep(): Promise<void> {
    for (const farmId of await this.#farms.current(this.deps.clock.now().getTime())) await this.evaluate(farmId);
  }

  async #evaluate(farmId: string, metrics: ReadonlySet<string> | undefined): Promise<void> {
    const now = this.deps.clock.now();
    // Threshold rules: one query for all of them; writes only where something changes.
    const changes = await this.deps.db.farm(farmId, async (tx) => {
      const rules = await alertsRepository.rules(
        tx,
        farmId,
        metrics ? ['threshold', 'low_battery', 'swarm'] : ['threshold', 'low_battery', 'swarm', 'offline', 'silent'],
      );
      if (rules.length === 0) {
        if (!metrics) this.#farms.delete(farmId);
        return [];
      }
      const zone = (await farmReads.byId(tx, farmId))?.time_zone ?? 'UTC';
      const { month, hour, date: day } = localTime(now, zone);
      const byId = new Map(rules.map((r) => [r.id, r]));
      // Rules that follow crop targets compare with what the location's phase asks for now.
      const followed = new Map<string, FollowedTargets | null>();
      for (const rule of rules.filter((r) => r.follow === 'phase_target'))
        followed.set(rule.id, await this.#followed(tx, farmId, rule, now, zone));
      const decided = new Map<string, Map<string, { holds: boolean; actual: number | null }>>();
      const aggregates = await alertsRepository.thresholdAggregates(tx, farmId, metrics ? [...metrics] : null, now);
      // VPD rules wake on either of the readings VPD comes from; compared as shown, to 2 decimals.
      if (
        rules.some((r) => r.kind === 'threshold' && r.metric === VPD) &&
        (!metrics || metrics.has('temperature') || metrics.has('humidity'))
      )
        for (const row of await alertsRepository.vpdAggregates(tx, farmId, now))
          aggregates.push({ ...row, value: roundVpd(row.value) });
      for (const row of aggregates) {
        const rule = byId.get(row.rule_id)!;
        const target = followed.get(rule.id);
        // No targets there now (the run ended, or several grow and none is chosen): nothing is decided.
        if (rule.follow && !target) continue;
        const threshold = target
          ? { operator: 'outside' as const, low: target.low, high: target.high }
          : { operator: rule.operator!, value: rule.value, low: rule.low, high: rule.high };
        const perRule = decided.get(rule.id) ?? new Map();
        perRule.set(row.device_id, { holds: breaches(threshold, row.value), actual: row.value });
        decided.set(rule.id, perRule);
      }
      for (const rule of rules.filter((r) => r.kind === 'offline' || r.kind === 'silent'))
        decided.set(rule.id, await this.#presence(tx, farmId, rule, now));
      for (const rule of rules.filter((r) => r.kind === 'swarm' && (!metrics || metrics.has('weight')))) {
        const perRule = new Map<string, { holds: boolean; actual: number | null }>();
        for (const w of await alertsRepository.swarmWindows(
          tx,
          farmId,
          rule,
          new Date(now.getTime() - (rule.window_s ?? 900) * 1000),
          day,
        )) {
          perRule.set(w.device_id, {
            holds: swarmSuspected(w.peak, w.last, w.inspected),
            actual: Math.round((w.peak - w.last) * 100) / 100,
          });
        }
        decided.set(rule.id, perRule);
      }
      const active = await alertsRepository.activeOf(tx, farmId, [...byId.keys()]);
      const out: Array<{ alert: AlertRow; change: 'triggered' | 'resolved' }> = [];
      for (const [ruleId, devices] of decided) {
        const rule = byId.get(ruleId)!;
        for (const [deviceId, reading] of devices) {
          const current = active.find((a) => a.rule_id === ruleId && a.device_id === deviceId);
          if (!reading.holds && !current) continue; // the common case: nothing to do
          const change = await this.#apply(
            tx,
            farmId,
            rule,
            deviceId,
            reading,
            current,
            excluded(rule, month, hour),
            now,
          );
          if (change) out.push(change);
        }
      }
      return out;
    });
    for (const { alert, change } of changes) this.#announce(farmId, alert, change, undefined);
  }

  /** The range a rule that follows crop targets compares with at `now` (day or night by the light period). */
  async #followed(tx: Tx, farmId: string, rule: RuleRow, now: Date, zone: string): Promise<FollowedTargets | null> {
    if (!rule.location_id || !rule.metric || !FOLLOWABLE_METRICS.includes(rule.metric)) return null;
    const answer = await this.deps.targets.of(tx, farmId, rule.location_id);
    if (!answer.ok) return null;
    return followedRange(answer.targets, rule.metric, localTime(now, zone).minuteOfDay);
  }

  /** What each rule that follows crop targets compares with now (for the rules' view). */
  async followedNow(ctx: FarmContext, rules: RuleRow[]): Promise<Map<string, FollowedTargets | null>> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const out = new Map<string, FollowedTargets | null>();
      for (const rule of rules.filter((r) => r.follow === 'phase_target'))
        out.set(rule.id, await this.#followed(tx, ctx.farmId, rule, now, ctx.timeZone));
      return out;
    });
  }

  /** Per device an offline or silent rule watches: whether it holds, and the minutes that decided it (no readings yet: unknown). */
  async #presence(
    tx: Tx,
    farmId: string,
    rule: RuleRow,
    now: Date,
  ): Promise<Map<string, { holds: boolean; actual: number | null }>> {
    const out = new Map<string, { holds: boolean; actual: number | null }>();
    const targets = await alertsRepository.targets(tx, farmId, rule);
    if (rule.kind === 'offline') {
      for (const device of targets) {
        // A device never heard from counts as away since it was registered.
        const away = (now.getTime() - (device.last_heartbeat_at ?? device.created_at).getTime()) / 60_000;
        out.set(device.id, { holds: !device.online && away >= rule.minutes!, actual: Math.round(away) });
      }
      return out;
    }
    const last = await alertsRepository.lastReadings(
      tx,
      farmId,
      targets.map((d) => d.id),
    );
    for (const device of targets) {
      const at = last.get(device.id);
      if (!at) continue;
      const quiet = (now.getTime() - at.getTime()) / 60_000;
      out.set(device.id, { holds: quiet >= rule.minutes!, actual: Math.round(quiet) });
    }
    return out;
  }

  /** Triggers, keeps, clears or resolves the rule's alert for one device. */
  async #apply(
    tx: Tx,
    farmId: string,
    rule: RuleRow,
    deviceId: string,
    reading: { holds: boolean; actual: number | null },
    active: AlertRow | undefined,
    quiet: boolean,
    now: Date,
  ) {
    if (reading.holds) {
      if (active) {
        if (active.clear_since)
          await alertsRepository.updateAlert(tx, farmId, active.id, {
            clear_since: null,
            actual_value: reading.actual,
          });
        return undefined;
      }
      if (quiet) return undefined;
      const alert = await this.#trigger(tx, farmId, rule, deviceId, reading.actual, now);
      return alert && { alert, change: 'triggered' as const };
    }
    if (!active) return undefined;
    if (!active.clear_since) {
      await alertsRepository.updateAlert(tx, farmId, active.id, { clear_since: now });
      if (rule.clear_s > 0) return undefined;
    } else if (now.getTime() - active.clear_since.getTime() < rule.clear_s * 1000) return undefined;
    const resolved = await alertsRepository.updateAlert(
      tx,
      farmId,
      active.id,
      { state: 'resolved', resolved_at: now },
      ['triggered', 'acknowledged'],
    );
    if (!resolved) return undefined;
    await recordAudit(tx, this.deps.clock, {
      farmId,
      eventType: 'alert.resolved',
      category: 'alerts',
      message: `${resolved.message}: cleared`,
      data: { alert_id: resolved.id, by: 'itself' },
    });
    return { alert: resolved, change: 'resolved' as const };
  }

  async #trigger(
    tx: Tx,
    farmId: string,
    rule: RuleRow,
    deviceId: string | null,
    actual: number | null,
    now: Date,
  ): Promise<AlertRow | undefined> {
    const label = deviceId ? (await deviceReads.byIds(tx, farmId, [deviceId]))[0]?.device_id : undefined;
    const type = alertType(rule);
    const unit = rule.metric === VPD ? ' kPa' : '';
    const what =
      rule.kind === 'offline'
        ? `offline for ${actual ?? '?'} min`
        : rule.kind === 'silent'
          ? `silent for ${actual} min`
          : rule.kind === 'schedule_failed'
            ? 'a schedule failed 3 times in a row'
            : rule.kind === 'swarm'
              ? `weight fell ${actual} kg within ${Math.round((rule.window_s ?? 900) / 60)} min: a swarm?`
              : rule.follow
                ? `${rule.metric} ${rule.aggregate} ${round(actual)}${unit} outside the crop's targets`
                : `${rule.metric} ${rule.aggregate} ${round(actual)}${unit} ${rule.operator} ${rule.low !== null ? `[${rule.low}, ${rule.high}]` : rule.value}`;
    const alert = await alertsRepository.insertAlert(tx, {
      farm_id: farmId,
      rule_id: rule.id,
      device_id: deviceId,
      type,
      severity: rule.severity,
      message: `${rule.name}${label ? ` — ${label}` : ''}: ${what}`,
      threshold: {
        operator: rule.operator,
        value: rule.value,
        low: rule.low,
        high: rule.high,
        aggregate: rule.aggregate,
        window_s: rule.window_s,
        minutes: rule.minutes,
      },
      actual_value: actual,
      state: 'triggered',
      triggered_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      clear_since: null,
    });
    if (!alert) return undefined;
    await recordAudit(tx, this.deps.clock, {
      farmId,
      eventType: 'alert.triggered',
      category: 'alerts',
      severity: rule.severity === 'critical' ? 'critical' : 'warning',
      message: alert.message,
      data: { alert_id: alert.id, rule_id: rule.id },
    });
    return alert;
  }

  /** A schedule failed three times in a row: the farm's schedule_failed rules raise their alert. */
  async scheduleFailing(farmId: string, deviceId: string, scheduleName: string): Promise<void> {
    const now = this.deps.clock.now();
    const raised = await this.deps.db.farm(farmId, async (tx) => {
      const out: Array<{ alert: AlertRow; device: string }> = [];
      for (const rule of await alertsRepository.rules(tx, farmId, ['schedule_failed'])) {
        if (rule.device_id && rule.device_id !== deviceId) continue;
        if (await alertsRepository.active(tx, farmId, rule.id, deviceId)) continue;
        const alert = await this.#trigger(tx, farmId, rule, deviceId, null, now);
        if (alert) {
          await alertsRepository.updateAlert(tx, farmId, alert.id, {
            message: `${rule.name}: schedule "${scheduleName}" failed 3 times in a row`,
          });
          out.push({
            alert: { ...alert, message: `${rule.name}: schedule "${scheduleName}" failed 3 times in a row` },
            device: '',
          });
        }
      }
      return out;
    });
    for (const { alert } of raised) this.#announce(farmId, alert, 'triggered', undefined);
  }

  /**
   * Conditions another module decides itself at a location (a tank's pH, its solution's age …), by key:
   * one that holds raises its alert once and keeps it while it lasts (a new severity or message updates
   * it; rising to critical tells the members again); one that no longer holds resolves it; a key not
   * given is left as it is. Each key has a rule of kind `watched` at the location, made on first use
   * and kept out of the farm's own rules. After its own transaction: call it once the condition's
   * evidence is committed.
   */
  async watch(farmId: string, locationId: string, conditions: WatchedCondition[]): Promise<void> {
    if (conditions.length === 0) return;
    const now = this.deps.clock.now();
    const changes = await this.deps.db.farm(farmId, async (tx) => {
      const rules = new Map(
        (await alertsRepository.watchedRules(tx, farmId, [locationId])).map((r) => [r.preset!, r] as const),
      );
      const active = new Map(
        (
          await alertsRepository.activeOf(
            tx,
            farmId,
            [...rules.values()].map((r) => r.id),
          )
        ).map((a) => [a.rule_id, a]),
      );
      const out: Array<{ alert: AlertRow; change: 'triggered' | 'updated' | 'resolved'; tell: boolean }> = [];
      for (const { key, name, breach } of conditions) {
        let rule = rules.get(key);
        const current = rule && active.get(rule.id);
        if (!breach) {
          if (!current) continue;
          const resolved = await alertsRepository.updateAlert(
            tx,
            farmId,
            current.id,
            { state: 'resolved', resolved_at: now },
            ['triggered', 'acknowledged'],
          );
          if (resolved) out.push({ alert: resolved, change: 'resolved', tell: false });
          continue;
        }
        const message = `${name}: ${breach.message}`;
        if (current) {
          if (current.severity === breach.severity && current.message === message) continue;
          const updated = await alertsRepository.updateAlert(tx, farmId, current.id, {
            type: breach.type,
            severity: breach.severity,
            message,
            actual_value: breach.actual,
          });
          const rose = current.severity !== 'critical' && breach.severity === 'critical';
          if (updated) out.push({ alert: updated, change: 'updated', tell: rose });
          continue;
        }
        rule ??= await alertsRepository.watchedRule(tx, {
          farm_id: farmId,
          name,
          kind: 'watched',
          metric: null,
          device_id: null,
          location_id: locationId,
          operator: null,
          value: null,
          low: null,
          high: null,
          aggregate: null,
          window_s: null,
          minutes: null,
          severity: 'warning',
          exclude_months: [],
          exclude_hours: [],
          clear_s: 0,
          enabled: true,
          preset: key,
          created_at: now,
          updated_at: now,
        });
        if (!rule.enabled) continue;
        const alert = await alertsRepository.insertAlert(tx, {
          farm_id: farmId,
          rule_id: rule.id,
          device_id: null,
          type: breach.type,
          severity: breach.severity,
          message,
          threshold: null,
          actual_value: breach.actual,
          state: 'triggered',
          triggered_at: now,
          acknowledged_at: null,
          acknowledged_by: null,
          resolved_at: null,
          resolved_by: null,
          clear_since: null,
        });
        if (alert) out.push({ alert, change: 'triggered', tell: true });
      }
      for (const { alert, change } of out)
        await recordAudit(tx, this.deps.clock, {
          farmId,
          eventType:
            change === 'resolved' ? 'alert.resolved' : change === 'triggered' ? 'alert.triggered' : 'alert.updated',
          category: 'alerts',
          severity: change === 'resolved' ? 'info' : alert.severity === 'critical' ? 'critical' : 'warning',
          message: change === 'resolved' ? `${alert.message}: cleared` : alert.message,
          data: { alert_id: alert.id, rule_id: alert.rule_id, location_id: locationId },
        });
      return out;
    });
    for (const { alert, change, tell } of changes) {
      this.#announce(farmId, alert, change, undefined);
      if (tell && change !== 'triggered')
        void this.deps.notifications
          .alertTriggered(farmId, alert)
          .catch((error: unknown) => this.deps.log.error({ err: error }, 'alert notifications failed'));
    }
  }

  /** The active alerts of watched conditions at these locations, with their location and key. */
  async watchedActive(
    tx: Tx,
    farmId: string,
    locationIds: string[],
  ): Promise<Array<{ locationId: string; key: string; alert: AlertRow }>> {
    const rules = await alertsRepository.watchedRules(tx, farmId, locationIds);
    const byId = new Map(rules.map((r) => [r.id, r]));
    return (
      await alertsRepository.activeOf(
        tx,
        farmId,
        rules.map((r) => r.id),
      )
    ).map((alert) => ({
      locationId: byId.get(alert.rule_id)!.location_id!,
      key: byId.get(alert.rule_id)!.preset!,
      alert,
    }));
  }

  // Lifecycle

  list(ctx: FarmContext, query: AlertsQuery & { limit: number }) {
    const before = query.cursor ? new Date(query.cursor) : undefined;
    return this.deps.db.farm(ctx.farmId, (tx) =>
      alertsRepository.alerts(tx, ctx.farmId, query.state, before, query.limit),
    );
  }

  async acknowledge(ctx: FarmContext, id: string, meta: RequestMeta): Promise<AlertRow> {
    return this.#change(ctx, id, meta, 'acknowledged', ['triggered'], 'alert.acknowledged');
  }

  async resolve(ctx: FarmContext, id: string, meta: RequestMeta): Promise<AlertRow> {
    return this.#change(ctx, id, meta, 'resolved', ['triggered', 'acknowledged'], 'alert.resolved');
  }

  async #change(
    ctx: FarmContext,
    id: string,
    meta: RequestMeta,
    to: 'acknowledged' | 'resolved',
    from: AlertState[],
    event: string,
  ): Promise<AlertRow> {
    const now = this.deps.clock.now();
    const who = ctx.caller.kind === 'user' ? ctx.caller.userId : null;
    const alert = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await alertsRepository.findAlert(tx, ctx.farmId, id);
      if (!current) throw notFound('Alert', { id });
      const changed = await alertsRepository.updateAlert(
        tx,
        ctx.farmId,
        id,
        to === 'acknowledged'
          ? { state: to, acknowledged_at: now, acknowledged_by: who }
          : { state: to, resolved_at: now, resolved_by: who },
        from,
      );
      if (!changed) throw conflict('ALERT_STATE', `The alert is ${current.state}`, { state: current.state });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: event,
        category: 'alerts',
        message: `${current.message}: ${to}`,
        data: { alert_id: id },
      });
      return changed;
    });
    this.#announce(ctx.farmId, alert, to, undefined);
    return alert;
  }

  #announce(farmId: string, alert: AlertRow, change: string, device: string | undefined): void {
    this.deps.live.farmEvent(farmId, { type: 'alert', ...(device ? { device } : {}), change, alert: alertView(alert) });
    if (change === 'triggered') {
      void this.deps.notifications
        .alertTriggered(farmId, alert)
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'alert notifications failed'));
    }
  }
}

const round = (n: number | null) => (n === null ? '?' : Math.round(n * 100) / 100);
