import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { DomainError, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import type { Hooks } from '../../platform/hooks.js';
import type { Logger } from '../../platform/logger.js';
import { PerKeyCoalescer } from '../../platform/coalesce.js';
import { recordAudit } from '../audit/index.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import type { LiveEvents } from '../../platform/live/events.js';
import {
  checkCommand,
  commandReads,
  deviceReads,
  type CommandsService,
  type CommandView,
  type DeviceRow,
} from '../devices/index.js';
import { farmReads } from '../farms/index.js';
import { locationReads } from '../locations/index.js';
import type { LightPeriod, Targets } from '../../platform/targets.js';
import {
  checkSpec,
  conditionStep,
  firingsBetween,
  INITIAL_CONDITION_STATE,
  leaves,
  nextFiring,
  outranks,
  patchWindow,
  planTick,
  runNowFiring,
  type Condition,
  type ConditionSpec,
  type ConditionState,
  type DueSchedule,
  type Firing,
  type Ranked,
  type TimedSchedule,
  windowChangeFiring,
} from './schedules.engine.js';
import { schedulesRepository, type ExecutionRow, type ScheduleRow } from './schedules.repository.js';
import { RefreshedSet } from '../../platform/refreshed-set.js';
import type { ExecutionStatus, ScheduleKind } from './schedules.tables.js';
import type { ExecutionsQuery, NewSchedule, SchedulePatch, ScheduleSpec } from './schedules.schemas.js';

/**
 * A schedule's definition as the service works with it: the common fields, and the kind's settings
 * apart in `spec` (cron | start,end | start,hours; on_s, off_s, repeat, window; condition, hysteresis, min_hold_s, max_age_s).
 */
type Definition = Omit<NewSchedule, keyof ScheduleSpec> & { spec: Record<string, unknown> };

/** A request's timing settings (those it has) apart from its common fields. */
function split<T extends ScheduleSpec>(body: T) {
  const {
    cron,
    start,
    end,
    hours,
    on_s,
    off_s,
    repeat,
    window,
    condition,
    hysteresis,
    min_hold_s,
    max_age_s,
    ...rest
  } = body;
  const spec: Record<keyof ScheduleSpec, unknown> = {
    cron,
    start,
    end,
    hours,
    on_s,
    off_s,
    repeat,
    window,
    condition,
    hysteresis,
    min_hold_s,
    max_age_s,
  };
  return { rest, spec: Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined)) };
}

declare module '../../platform/hooks.js' {
  interface HookEvents {
    /** A schedule has failed three times in a row (the alerts module raises `schedule_failed`). */
    'schedules.failing': { farmId: string; schedule: ScheduleRow };
  }
}

interface Deps {
  hooks: Hooks;
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
  commands: CommandsService;
  targets: Targets;
}

/** A schedule that took a location's new photoperiod (for the audit log and the live event). */
export interface PhotoperiodChange {
  schedule: { id: string; name: string };
  hours: { from: number | null; to: number };
  /** What the new window made the channel do at once, when it said otherwise about the moment. */
  switched_now: string | null;
}

/** Where a light that follows a photoperiod goes on unless its start is given. */
const DEFAULT_FOLLOW_START = '06:00';

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const FAILURES_TO_RAISE = 3;

const SPEC_KEYS: Record<ScheduleKind, string[]> = {
  time: ['cron', 'start', 'end', 'hours'],
  duration: ['on_s', 'off_s', 'repeat', 'window'],
  condition: ['condition', 'hysteresis', 'min_hold_s', 'max_age_s'],
};

const timed = (s: ScheduleRow): TimedSchedule => ({
  kind: s.kind as 'time' | 'duration',
  action: s.action,
  value: s.value ?? undefined,
  spec: s.spec as never,
  anchor: s.anchor_at.getTime(),
});

const ranked = (s: ScheduleRow): Ranked => ({ priority: s.priority, created_at: s.created_at.getTime() });

type ExecutionBase = Omit<Parameters<typeof schedulesRepository.insertExecution>[1], 'status' | 'error'>;
type Queued = { command: CommandView; deviceId: string; farmId: string };

const outcome: Partial<Record<string, ExecutionStatus>> = {
  completed: 'executed',
  failed: 'failed',
  timeout: 'timeout',
  expired: 'timeout',
  cancelled: 'skipped',
};

/**
 * Schedules: each time or duration schedule's next firing is stored and claimed under a row lock by
 * the sweep (so one process fires it, on time, after a restart too); condition schedules are
 * evaluated as readings arrive. Every firing is recorded as an execution, and its command's outcome
 * is written back to it.
 */
export class SchedulesService {
  #conditionFarms = new RefreshedSet<string>(10_000, () =>
    this.deps.db.system((tx) => schedulesRepository.farmsWithConditions(tx)),
  );
  readonly #evaluations = new PerKeyCoalescer<undefined>(
    (farmId) => this.#evaluate(farmId),
    () => undefined,
    (error, farmId) => this.deps.log.error({ err: error, farmId }, 'conditions not evaluated'),
  );

  constructor(private readonly deps: Deps) {}

  // Definitions

  async create(ctx: FarmContext, body: NewSchedule, meta: RequestMeta): Promise<ScheduleRow> {
    const row = await this.deps.db.farm(ctx.farmId, (tx) => this.#create(tx, ctx, body, meta));
    if (row.kind === 'condition') this.#conditionFarms.add(ctx.farmId);
    return row;
  }

  /**
   * For another module, inside its own farm transaction: makes a time or duration schedule as
   * `create` does (the same checks: 400 naming the field), e.g. the pump run of a watering schedule.
   */
  createIn(tx: Tx, ctx: FarmContext, body: NewSchedule, meta: RequestMeta): Promise<ScheduleRow> {
    if (body.kind === 'condition') throw new Error('createIn makes time and duration schedules only');
    return this.#create(tx, ctx, body, meta);
  }

  async #create(tx: Tx, ctx: FarmContext, body: NewSchedule, meta: RequestMeta): Promise<ScheduleRow> {
    const now = this.deps.clock.now();
    const { rest, spec } = split(body);
    const input: Definition = { ...rest, spec };
    const follows = body.follow?.location ?? null;
    if (follows) input.spec = await this.#following(tx, ctx.farmId, input, spec, follows, null);
    const device = await this.#check(tx, ctx, input);
    const draft = {
      kind: input.kind,
      action: input.action,
      value: input.value ?? null,
      spec: this.#spec(input),
      anchor_at: now,
    } as ScheduleRow;
    const enabled = input.enabled ?? true;
    const row = await schedulesRepository.insert(tx, {
      farm_id: ctx.farmId,
      name: input.name.trim(),
      device_id: device.id,
      channel: input.channel ?? null,
      kind: input.kind,
      action: input.action,
      value: input.value ?? null,
      priority: input.priority ?? 0,
      enabled,
      spec: draft.spec,
      follows_location_id: follows,
      anchor_at: now,
      next_fire_at: enabled ? this.#next(draft, ctx.timeZone, now.getTime()) : null,
      state: input.kind === 'condition' ? { ...INITIAL_CONDITION_STATE } : {},
      created_at: now,
      updated_at: now,
    });
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: 'schedule.created',
      category: 'schedules',
      message: `Schedule ${row.name} created`,
      data: { schedule_id: row.id, ...(follows ? { follows_location_id: follows, hours: row.spec.hours } : {}) },
    });
    return row;
  }

  async update(ctx: FarmContext, id: string, body: SchedulePatch, meta: RequestMeta): Promise<ScheduleRow> {
    const { row, queued } = await this.deps.db.farm(ctx.farmId, (tx) => this.#update(tx, ctx, id, body, meta));
    for (const { command, deviceId } of queued) await this.deps.commands.afterQueued(ctx.farmId, command, deviceId);
    if (row.kind === 'condition' && row.enabled) this.#conditionFarms.add(ctx.farmId);
    return row;
  }

  /**
   * For another module, inside its own farm transaction: changes a time or duration schedule as
   * `update` does; `send` sends what a switch at once queued, after the caller's commit.
   */
  async updateIn(
    tx: Tx,
    ctx: FarmContext,
    id: string,
    body: SchedulePatch,
    meta: RequestMeta,
  ): Promise<{ row: ScheduleRow; send: () => Promise<void> }> {
    if (body.kind === 'condition') throw new Error('updateIn keeps time and duration schedules');
    const { row, queued } = await this.#update(tx, ctx, id, body, meta);
    return {
      row,
      send: async () => {
        for (const { command, deviceId } of queued) await this.deps.commands.afterQueued(ctx.farmId, command, deviceId);
      },
    };
  }

  async #update(
    tx: Tx,
    ctx: FarmContext,
    id: string,
    body: SchedulePatch,
    meta: RequestMeta,
  ): Promise<{ row: ScheduleRow; queued: Queued[] }> {
    const now = this.deps.clock.now();
    const { rest, spec: specPatch } = split(body);
    const patch = { ...rest, spec: specPatch };
    const current = await this.#find(tx, ctx.farmId, id);
    const [device] = await deviceReads.byIds(tx, ctx.farmId, [current.device_id]);
    const sameKind = patch.kind === undefined || patch.kind === current.kind;
    const merged: Definition = {
      name: patch.name ?? current.name,
      device: patch.device ?? device!.device_id,
      channel: patch.channel !== undefined ? patch.channel : current.channel,
      kind: patch.kind ?? current.kind,
      action: patch.action ?? current.action,
      value: patch.value !== undefined ? patch.value : current.value,
      priority: patch.priority ?? current.priority,
      enabled: patch.enabled ?? current.enabled,
      spec:
        patch.kind !== undefined || Object.keys(patch.spec).length > 0
          ? sameKind && current.kind === 'time'
            ? patchWindow(current.spec, patch.spec)
            : patch.spec
          : current.spec,
    };
    const follows = patch.follow !== undefined ? (patch.follow?.location ?? null) : current.follows_location_id;
    if (follows) {
      const kept = current.follows_location_id ? ((current.spec.hours as number | undefined) ?? null) : null;
      merged.spec = await this.#following(tx, ctx.farmId, merged, patch.spec, follows, kept);
    }
    const target = await this.#check(tx, ctx, merged);
    const spec = this.#spec(merged);
    // Changing when it fires restarts its cycles and its condition.
    const restart =
      JSON.stringify(spec) !== JSON.stringify(current.spec) ||
      merged.kind !== current.kind ||
      (merged.enabled && !current.enabled);
    const anchor = restart ? now : current.anchor_at;
    const draft = {
      ...current,
      kind: merged.kind,
      action: merged.action,
      value: merged.value ?? null,
      spec,
      anchor_at: anchor,
    };
    const row = await schedulesRepository.update(tx, ctx.farmId, id, {
      name: merged.name.trim(),
      device_id: target.id,
      channel: merged.channel ?? null,
      kind: merged.kind,
      action: merged.action,
      value: merged.value ?? null,
      priority: merged.priority ?? 0,
      enabled: merged.enabled ?? true,
      spec,
      follows_location_id: follows,
      anchor_at: anchor,
      next_fire_at: merged.enabled ? this.#next(draft, ctx.timeZone, now.getTime()) : null,
      ...(restart ? { state: merged.kind === 'condition' ? { ...INITIAL_CONDITION_STATE } : {} } : {}),
      updated_at: now,
    });
    // A new window that says otherwise about now switches the channel at once (18 h → 12 h at 20:00: off now).
    const switched = row!.enabled
      ? windowChangeFiring(
          current.enabled ? { timing: timed(current), next_fire_at: current.next_fire_at?.getTime() ?? null } : null,
          timed(row!),
          ctx.timeZone,
          now.getTime(),
        )
      : null;
    const fired = switched ? await this.#switchNow(tx, row!, switched) : { queued: [] };
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: 'schedule.updated',
      category: 'schedules',
      message: `Schedule ${merged.name} changed`,
      data: {
        schedule_id: id,
        changed: [...Object.keys(rest), ...Object.keys(specPatch)],
        ...(follows !== current.follows_location_id
          ? { follows_location_id: { from: current.follows_location_id, to: follows } }
          : {}),
        ...(switched ? { switched_now: switched.action } : {}),
      },
    });
    return { row: row!, queued: fired.queued };
  }

  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, (tx) => this.removeIn(tx, ctx, id, meta));
  }

  /** For another module, inside its own farm transaction: deletes a schedule as `remove` does (404 when gone). */
  async removeIn(tx: Tx, ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    const row = await this.#find(tx, ctx.farmId, id);
    await schedulesRepository.remove(tx, ctx.farmId, id);
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: 'schedule.deleted',
      category: 'schedules',
      severity: 'warning',
      message: `Schedule ${row.name} deleted`,
      data: { schedule_id: id },
    });
  }

  /** Inside the caller's farm transaction: the farm's schedule with this id, if it has one. */
  findIn(tx: Tx, farmId: string, id: string): Promise<ScheduleRow | undefined> {
    return schedulesRepository.find(tx, farmId, id);
  }

  get(ctx: FarmContext, id: string) {
    return this.deps.db.farm(
      ctx.farmId,
      async (tx) => (await this.#withFacts(tx, ctx.farmId, [await this.#find(tx, ctx.farmId, id)]))[0]!,
    );
  }

  list(ctx: FarmContext) {
    return this.deps.db.farm(ctx.farmId, async (tx) =>
      this.#withFacts(tx, ctx.farmId, await schedulesRepository.list(tx, ctx.farmId)),
    );
  }

  async #withFacts(tx: Tx, farmId: string, rows: ScheduleRow[]) {
    const devices = new Map(
      (await deviceReads.byIds(tx, farmId, [...new Set(rows.map((r) => r.device_id))])).map((d) => [d.id, d.device_id]),
    );
    const since = new Date(this.deps.clock.now().getTime() - 30 * 86_400_000);
    const rates = await schedulesRepository.successRate(
      tx,
      farmId,
      rows.map((r) => r.id),
      since,
    );
    return rows.map((r) => ({
      ...r,
      device: devices.get(r.device_id) ?? r.device_id,
      success_rate: rates.get(r.id) ?? null,
    }));
  }

  async #find(tx: Tx, farmId: string, id: string): Promise<ScheduleRow> {
    const row = await schedulesRepository.find(tx, farmId, id);
    if (!row) throw notFound('Schedule', { id });
    return row;
  }

  #spec(input: Definition): Record<string, unknown> {
    return Object.fromEntries(
      SPEC_KEYS[input.kind].filter((k) => input.spec[k] !== undefined).map((k) => [k, input.spec[k]]),
    );
  }

  /**
   * The window of a schedule that follows a location's photoperiod: on at its start (06:00 unless given)
   * for the hours the growth phase of the crop there asks for. Refuses what cannot follow (400: not a
   * daily window of a light switched on, no such location, hours other than the phase's), a location
   * without crop targets (422 naming the runs) and a phase that names no photoperiod when there are no
   * hours to use meanwhile (422).
   */
  async #following(
    tx: Tx,
    farmId: string,
    input: Definition,
    requested: Record<string, unknown>,
    locationId: string,
    keptHours: number | null,
  ): Promise<Record<string, unknown>> {
    const problems: Array<{ field: string; message: string }> = [];
    if (input.kind !== 'time')
      problems.push({ field: 'body.follow', message: 'only a time schedule follows a photoperiod' });
    if (requested.cron !== undefined || (input.spec.cron !== undefined && input.spec.start === undefined))
      problems.push({
        field: 'body.cron',
        message: 'a schedule that follows a photoperiod is a daily window: give start, not cron',
      });
    if (requested.end !== undefined)
      problems.push({
        field: 'body.end',
        message: 'the photoperiod says how long the light stays on: give start, not end',
      });
    if (input.action !== 'on' && input.action !== 'set_value')
      problems.push({
        field: 'body.action',
        message: 'a light that follows a photoperiod is switched on (on or set_value)',
      });
    const location = await locationReads.find(tx, farmId, locationId);
    if (!location) problems.push({ field: 'body.follow.location', message: 'no such location in this farm' });
    if (problems.length > 0)
      throw invalid(problems.map((p) => `${p.field.replace(/^body\./, '')} ${p.message}`).join('; '), {
        fields: problems,
      });
    const targets = await this.deps.targets.require(tx, farmId, locationId);
    const given = requested.hours as number | undefined;
    if (targets.photoperiodH !== null && given !== undefined && given !== targets.photoperiodH)
      throw invalid(
        `hours: the schedule follows the photoperiod of ${location!.name} (${targets.photoperiodH} h in ${targets.phase}); send follow: null to pin other hours`,
        { fields: [{ field: 'body.hours', message: `the crop's phase sets ${targets.photoperiodH} h` }] },
      );
    const hours = targets.photoperiodH ?? given ?? keptHours;
    if (hours === null)
      throw ruleViolation(
        'NO_PHOTOPERIOD',
        `Phase ${targets.phase} of ${targets.run.name} names no photoperiod: give hours to use until a phase does`,
        { location_id: locationId, run: targets.run, phase: targets.phase },
      );
    return { start: (input.spec.start as string | undefined) ?? DEFAULT_FOLLOW_START, hours };
  }

  // What crops asks through the module's door

  /**
   * A location's photoperiod is now `hours` (its crop changed phase): every schedule following it takes
   * them — its next firing, and a switch at once when the new window says otherwise about now (18 h →
   * 12 h at 20:00: off now). Null (no photoperiod, no targets) changes nothing: they keep their hours.
   * Runs in the caller's transaction; `send` sends the commands it queued, after the commit.
   */
  async followPhotoperiod(
    tx: Tx,
    farmId: string,
    zone: string,
    locationId: string,
    hours: number | null,
    now: Date,
  ): Promise<{ changed: PhotoperiodChange[]; send: () => Promise<void> }> {
    const changed: PhotoperiodChange[] = [];
    const queued: Queued[] = [];
    if (hours !== null)
      for (const current of await schedulesRepository.following(tx, farmId, locationId)) {
        const from = (current.spec.hours as number | undefined) ?? null;
        if (from === hours) continue;
        const spec = { start: (current.spec.start as string | undefined) ?? DEFAULT_FOLLOW_START, hours };
        const draft = { ...current, spec };
        const row = (await schedulesRepository.update(tx, farmId, current.id, {
          spec,
          next_fire_at: current.enabled ? this.#next(draft, zone, now.getTime()) : null,
          updated_at: now,
        }))!;
        const switched = row.enabled
          ? windowChangeFiring(
              { timing: timed(current), next_fire_at: current.next_fire_at?.getTime() ?? null },
              timed(row),
              zone,
              now.getTime(),
            )
          : null;
        if (switched) queued.push(...(await this.#switchNow(tx, row, switched)).queued);
        changed.push({
          schedule: { id: row.id, name: row.name },
          hours: { from, to: hours },
          switched_now: switched?.action ?? null,
        });
      }
    return {
      changed,
      send: async () => {
        for (const { command, deviceId } of queued) await this.deps.commands.afterQueued(farmId, command, deviceId);
      },
    };
  }

  /** The light period a location's schedule following its photoperiod keeps (the one in force), if one does. */
  async lightPeriod(tx: Tx, farmId: string, locationId: string): Promise<LightPeriod | null> {
    const row = (await schedulesRepository.following(tx, farmId, locationId)).find(
      (r) => r.enabled && typeof r.spec.hours === 'number',
    );
    if (!row) return null;
    return {
      startMinute: minuteOf((row.spec.start as string | undefined) ?? DEFAULT_FOLLOW_START),
      hours: row.spec.hours as number,
      schedule: { id: row.id, name: row.name },
    };
  }

  /** The locations whose photoperiod some schedule follows. */
  followedLocations(tx: Tx, farmId: string): Promise<string[]> {
    return schedulesRepository.followedLocations(tx, farmId);
  }

  /** Everything a schedule names must exist in this farm and be able to do what it asks. */
  async #check(tx: Tx, ctx: FarmContext, input: Definition): Promise<DeviceRow> {
    const device = await deviceReads.find(tx, ctx.farmId, input.device);
    if (!device)
      throw invalid(`No device "${input.device}" in this farm`, {
        fields: [{ field: 'body.device', message: 'not found in this farm' }],
      });
    const channels = (await deviceReads.channels(tx, ctx.farmId, [device.id])).map((c) => c.name);
    const checked = checkCommand(device.type, channels, {
      action: input.action,
      value: input.value ?? undefined,
      channel: input.channel ?? undefined,
    });
    if (!checked.ok) {
      throw checked.status === 'rule'
        ? new DomainError('rule', checked.code, checked.message)
        : invalid(
            checked.message,
            { fields: [{ field: checked.field ?? 'body', message: checked.message }] },
            checked.code,
          );
    }
    const problems = checkSpec(input.kind, input.action, input.spec, ctx.timeZone);
    if (input.kind === 'condition') {
      const condition = input.spec.condition as Condition | undefined;
      if (!condition) problems.push({ field: 'body.condition', message: 'a condition schedule needs a condition' });
      else {
        const named = [...new Set(leaves(condition).map((l) => l.device))];
        const found = new Set((await deviceReads.byLabels(tx, ctx.farmId, named)).map((d) => d.device_id));
        for (const missing of named.filter((d) => !found.has(d)))
          problems.push({ field: 'body.condition', message: `no device "${missing}" in this farm` });
      }
    }
    if (problems.length > 0)
      throw invalid(problems.map((p) => `${p.field.replace(/^body\./, '')} ${p.message}`).join('; '), {
        fields: problems,
      });
    return device;
  }

  #next(
    s: Pick<ScheduleRow, 'kind' | 'action' | 'value' | 'spec' | 'anchor_at'>,
    zone: string,
    after: number,
  ): Date | null {
    if (s.kind === 'condition') return null;
    const firing = nextFiring(timed(s as ScheduleRow), zone, after);
    return firing ? new Date(firing.at) : null;
  }

  // Firing

  /**
   * Fires every time and duration schedule that is due, each once, under a row lock (so several
   * processes never fire one twice), then stores its next firing. Of two schedules driving one
   * channel at the same moment, the higher priority wins and the other is recorded as skipped.
   */
  async tick(): Promise<number> {
    const now = this.deps.clock.now().getTime();
    const fired = await this.deps.db.system(async (tx) => {
      const rows = await schedulesRepository.takeDue(tx, new Date(now), 200);
      if (rows.length === 0) return [];
      const zones = new Map<string, string>();
      const stopped = new Set<string>();
      for (const farmId of new Set(rows.map((r) => r.farm_id))) {
        zones.set(farmId, (await farmReads.byId(tx, farmId))?.time_zone ?? 'UTC');
        if (await commandReads.holdingStop(tx, farmId)) stopped.add(farmId);
      }
      const due = rows.map((row): DueSchedule & { row: ScheduleRow } => ({
        id: row.id,
        name: row.name,
        farm_id: row.farm_id,
        device_id: row.device_id,
        channel: row.channel,
        ...ranked(row),
        next_fire_at: row.next_fire_at!.getTime(),
        timing: timed(row),
        zone: zones.get(row.farm_id)!,
        row,
      }));
      const plan = planTick(due, now, stopped);
      for (const { schedule, at } of plan.next) {
        const next_fire_at = at === null ? null : new Date(at);
        await schedulesRepository.update(tx, schedule.farm_id, schedule.id, { next_fire_at });
      }
      const queued: Queued[] = [];
      for (const { schedule, firing, decision } of plan.firings) {
        const base = {
          farm_id: schedule.farm_id,
          schedule_id: schedule.id,
          scheduled_at: new Date(firing.at),
          actual_at: new Date(now),
          action: firing.action,
          value: firing.value ?? null,
          command_id: null,
          skipped_by: null,
          device_response: null,
          duration_ms: null,
        };
        if (decision.kind === 'skip') {
          const { skipped_by, error } = decision;
          await schedulesRepository.insertExecution(tx, { ...base, status: 'skipped', skipped_by, error });
          continue;
        }
        queued.push(...(await this.#fire(tx, schedule.row, firing, base)).queued);
      }
      return queued;
    });
    for (const { command, deviceId, farmId } of fired) await this.deps.commands.afterQueued(farmId, command, deviceId);
    return fired.length;
  }

  /**
   * Queues the firing's command and records a pending execution (or a failed one, with the reason).
   * Returns the execution it recorded and the command to send once the transaction has committed.
   */
  async #fire(
    tx: Tx,
    schedule: ScheduleRow,
    firing: Firing,
    base: ExecutionBase,
  ): Promise<{ execution: ExecutionRow; queued: Queued[] }> {
    try {
      const command = await this.deps.commands.queueFor(
        schedule.farm_id,
        schedule.device_id,
        { action: firing.action, value: firing.value, channel: schedule.channel ?? undefined },
        'schedule',
        tx,
      );
      const execution = await schedulesRepository.insertExecution(tx, {
        ...base,
        status: 'pending',
        command_id: command.id,
        error: null,
      });
      return { execution, queued: [{ command, deviceId: schedule.device_id, farmId: schedule.farm_id }] };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const execution = await schedulesRepository.insertExecution(tx, {
        ...base,
        status: 'failed',
        error: error.message,
      });
      return { execution, queued: [] };
    }
  }

  /** A firing a change of timing makes now: recorded as an execution, skipped while an emergency stop holds. */
  async #switchNow(tx: Tx, schedule: ScheduleRow, firing: Firing): Promise<{ queued: Queued[] }> {
    const base = {
      farm_id: schedule.farm_id,
      schedule_id: schedule.id,
      scheduled_at: new Date(firing.at),
      actual_at: new Date(firing.at),
      action: firing.action,
      value: firing.value ?? null,
      command_id: null,
      skipped_by: null,
      device_response: null,
      duration_ms: null,
    };
    if (await commandReads.holdingStop(tx, schedule.farm_id)) {
      const error = 'An emergency stop holds the farm';
      await schedulesRepository.insertExecution(tx, { ...base, status: 'skipped', error });
      return { queued: [] };
    }
    return this.#fire(tx, schedule, firing, base);
  }

  /** Fires a schedule's action now, whatever its timing (refused while an emergency stop holds). */
  async runNow(ctx: FarmContext, id: string, meta: RequestMeta): Promise<ExecutionRow> {
    const now = this.deps.clock.now();
    const { execution, queued } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const schedule = await this.#find(tx, ctx.farmId, id);
      const stopped = (await commandReads.holdingStop(tx, ctx.farmId)) !== undefined;
      const run = runNowFiring({ action: schedule.action, value: schedule.value ?? undefined }, now.getTime(), stopped);
      if (!run.ok) throw new DomainError('locked', run.code, run.message);
      const base = {
        farm_id: ctx.farmId,
        schedule_id: id,
        scheduled_at: now,
        actual_at: now,
        action: schedule.action,
        value: schedule.value,
        command_id: null,
        skipped_by: null,
        device_response: null,
        duration_ms: null,
      };
      const fired = await this.#fire(tx, schedule, run.firing, base);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'schedule.run_now',
        category: 'schedules',
        message: `Schedule ${schedule.name} run by hand`,
        data: { schedule_id: id },
      });
      return fired;
    });
    for (const { command, deviceId } of queued) await this.deps.commands.afterQueued(ctx.farmId, command, deviceId);
    return execution;
  }

  /** Every firing in the coming days, with the ones another schedule of higher priority would take marked. */
  async preview(ctx: FarmContext, id: string, days: number) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const schedule = await this.#find(tx, ctx.farmId, id);
      if (schedule.kind === 'condition')
        return { firings: [], note: 'A condition schedule fires when its condition changes: it has no timetable' };
      const from = this.deps.clock.now().getTime();
      const to = from + days * 86_400_000;
      const rivals = (await schedulesRepository.onChannel(tx, ctx.farmId, schedule.device_id, schedule.channel)).filter(
        (r) => r.id !== schedule.id && r.kind !== 'condition' && outranks(ranked(r), ranked(schedule)),
      );
      const taken = new Map<number, ScheduleRow>();
      for (const rival of rivals)
        for (const f of firingsBetween(timed(rival), ctx.timeZone, from, to))
          if (!taken.has(f.at)) taken.set(f.at, rival);
      const firings = firingsBetween(timed(schedule), ctx.timeZone, from, to, 5_000).map((f) => ({
        at: new Date(f.at).toISOString(),
        action: f.action,
        ...(f.value !== undefined ? { value: f.value } : {}),
        ...(taken.has(f.at) ? { skipped_by: { id: taken.get(f.at)!.id, name: taken.get(f.at)!.name } } : {}),
      }));
      return { firings, note: schedule.enabled ? null : 'The schedule is disabled: these would be its firings' };
    });
  }

  executions(ctx: FarmContext, id: string, query: ExecutionsQuery & { limit: number }) {
    const before = query.cursor ? new Date(query.cursor) : undefined;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#find(tx, ctx.farmId, id);
      return schedulesRepository.executions(tx, ctx.farmId, id, before, query.limit);
    });
  }

  /** A schedule command's outcome, written to its execution; three failures in a row raise the alarm. */
  /** A command reached its final status: a schedule's execution of it records the outcome. */
  async commandFinished(farmId: string, command: CommandView): Promise<void> {
    if (command.source !== 'schedule') return;
    const status = outcome[command.status];
    if (!status) return;
    const raised = await this.deps.db.farm(farmId, async (tx) => {
      const execution = await schedulesRepository.executionByCommand(tx, farmId, command.id);
      if (!execution || execution.status !== 'pending') return undefined;
      await schedulesRepository.updateExecution(tx, farmId, execution.id, {
        status,
        error: command.error,
        device_response: command.new_state ?? null,
        duration_ms: command.finished_at ? command.finished_at.getTime() - execution.actual_at.getTime() : null,
      });
      const schedule = await schedulesRepository.find(tx, farmId, execution.schedule_id);
      if (!schedule || status === 'skipped') return undefined;
      const failures = status === 'executed' ? 0 : schedule.consecutive_failures + 1;
      await schedulesRepository.update(tx, farmId, schedule.id, { consecutive_failures: failures });
      if (failures !== FAILURES_TO_RAISE) return undefined;
      await recordAudit(tx, this.deps.clock, {
        farmId,
        eventType: 'schedule.failing',
        category: 'schedules',
        severity: 'warning',
        message: `Schedule ${schedule.name} failed ${FAILURES_TO_RAISE} times in a row`,
        data: { schedule_id: schedule.id },
      });
      return schedule;
    });
    if (raised) this.deps.hooks.emit('schedules.failing', { farmId, schedule: raised });
  }

  // Conditions

  /** Readings were committed for this farm: its condition schedules look at them (skipped at once when it has none). */
  readingsArrived(farmId: string): void {
    if (!this.#conditionFarms.has(farmId)) return;
    void this.evaluateConditions(farmId).catch((error: unknown) =>
      this.deps.log.error({ err: error, farmId }, 'conditions not evaluated'),
    );
  }

  /** Evaluates the farm's condition schedules now (one evaluation at a time per farm; a request meanwhile runs once more after). */
  evaluateConditions(farmId: string): Promise<void> {
    return this.#evaluations.request(farmId, undefined);
  }

  async #evaluate(farmId: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const queued = await this.deps.db.farm(farmId, async (tx) => {
      const schedules = await schedulesRepository.conditions(tx, farmId);
      if (schedules.length === 0) {
        this.#conditionFarms.delete(farmId);
        return [];
      }
      const pairs = schedules.flatMap((s) => leaves((s.spec as unknown as ConditionSpec).condition));
      const latest = new Map(
        (await schedulesRepository.latest(tx, farmId, pairs)).map((r) => [
          `${r.device}|${r.metric}`,
          { value: r.value, ts: r.ts.getTime() },
        ]),
      );
      const holding = (await commandReads.holdingStop(tx, farmId)) !== undefined;
      const out: Queued[] = [];
      for (const schedule of schedules) {
        const spec = schedule.spec as unknown as ConditionSpec;
        const value = schedule.value ?? undefined;
        const { state, changed, firing } = conditionStep(
          { action: schedule.action, value, spec },
          schedule.state as Partial<ConditionState>,
          (d, m) => latest.get(`${d}|${m}`),
          now,
          holding,
        );
        const stored = state as unknown as Record<string, unknown>;
        if (changed) await schedulesRepository.update(tx, farmId, schedule.id, { state: stored });
        if (!firing) continue;
        const base = {
          farm_id: farmId,
          schedule_id: schedule.id,
          scheduled_at: new Date(now),
          actual_at: new Date(now),
          action: firing.action,
          value: firing.value ?? null,
          command_id: null,
          skipped_by: null,
          device_response: null,
          duration_ms: null,
        };
        out.push(...(await this.#fire(tx, schedule, firing, base)).queued);
      }
      return out;
    });
    for (const { command, deviceId } of queued) await this.deps.commands.afterQueued(farmId, command, deviceId);
  }

  /** The sweep's share: conditions whose timers (for_s) or staleness changed without new readings. */
  async sweepConditions(): Promise<void> {
    for (const farmId of await this.#conditionFarms.current(this.deps.clock.now().getTime()))
      await this.evaluateConditions(farmId);
  }
}
