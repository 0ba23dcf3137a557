import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads } from '../catalog/index.js';
import { farmReads } from '../farms/index.js';
import { nutrientReads } from '../nutrients/index.js';
import type { SchedulesService } from '../schedules/index.js';
import { taskReads, taskWrites } from '../tasks/index.js';
import { cropsRepository, type RunRow } from './crops.repository.js';
import {
  MAX_INTERVAL_DAYS,
  minuteOf,
  pumpSpec,
  suggestVolume,
  taskDays,
  wateringKey,
  wateringTimes,
  type VolumeSuggestion,
  type WateringChannel,
  type WateringRule,
} from './watering.engine.js';
import {
  wateringRepository,
  type ScheduleToWater,
  type WateringLogRow,
  type WateringScheduleRow,
} from './watering.repository.js';
import type {
  NewWateringLog,
  NewWateringSchedule,
  WateringLogQueryInput,
  WateringSchedulePatch,
} from './watering.schemas.js';
import type { PumpRef } from './watering.tables.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  schedules: SchedulesService;
}

/** The tasks watering makes carry this source. */
export const WATERING_SOURCE = 'watering';

const CHANNEL_WORDS: Record<WateringChannel, string> = {
  fertigation: 'fertigation',
  drench: 'drench',
  foliar: 'foliar spray',
  top_dress: 'top dress',
};

/** A watering task the daily job makes (one per run, channel and day). */
export interface WateringTask {
  key: string;
  scheduleId: string;
  /** YYYY-MM-DD, farm-local */
  day: string;
  runId: string;
  locationId: string | null;
  title: string;
  dueAt: Date;
  notes: string;
}

/** A schedule as resolved from what is stored and what a request changes. */
interface Definition {
  channel: WateringChannel;
  mode: 'weekdays' | 'interval';
  weekdays: number[];
  interval_days: number | null;
  preferred_time: string;
  times_per_day: number;
  reminder_hours_before: number;
  volume_per_plant_l: number | null;
  feed: boolean;
  active: boolean;
  pump: (PumpRef & { priority?: number | undefined }) | null;
  schedule_id: string | null;
}

/** The instant a farm-local day's HH:MM happens (a time daylight saving skips: the moment after). */
export function localInstant(day: string, hhmm: string, zone: string): Date {
  const minute = minuteOf(hhmm);
  let at = startOfLocalDay(day, zone).getTime() + minute * 60_000;
  const local = localTime(new Date(at), zone);
  if (local.date === day) at += (minute - local.minuteOfDay) * 60_000;
  return new Date(at);
}

const ruleOf = (s: Pick<WateringScheduleRow, 'mode' | 'weekdays' | 'interval_days'>): WateringRule =>
  s.mode === 'weekdays'
    ? { mode: 'weekdays', weekdays: s.weekdays }
    : { mode: 'interval', intervalDays: s.interval_days! };

/**
 * Watering of planting runs: schedules per run and delivery channel (on weekdays or every N days), the
 * daily job that makes their tasks, the pump or valve they drive through the schedules module, the
 * waterings and feedings logged, and a volume to start from.
 */
export class WateringService {
  constructor(private readonly deps: Deps) {}

  // Schedules

  /** A run's watering schedules (404 for a run the farm does not have). */
  list(ctx: FarmContext, runId: string): Promise<WateringScheduleRow[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#run(tx, ctx.farmId, runId);
      return wateringRepository.schedulesOf(tx, ctx.farmId, runId);
    });
  }

  get(ctx: FarmContext, id: string): Promise<WateringScheduleRow> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#schedule(tx, ctx.farmId, id));
  }

  /**
   * Makes a run's watering schedule on a channel (one per run and channel: 409 WATERING_SCHEDULE_EXISTS);
   * with a pump, the duration schedule that runs it. A client-made `id` makes a resend answer the first.
   */
  async create(
    ctx: FarmContext,
    runId: string,
    input: NewWateringSchedule,
    meta: RequestMeta,
  ): Promise<{ schedule: WateringScheduleRow; created: boolean }> {
    const now = this.deps.clock.now();
    const def = resolve(undefined, input);
    const { value, send } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, runId);
      const create = async (id: string | undefined, requestHash: string | null) => {
        if (await wateringRepository.scheduleOn(tx, ctx.farmId, run.id, def.channel))
          throw conflict('WATERING_SCHEDULE_EXISTS', `Run ${run.name} has a ${def.channel} schedule already`, {
            run_id: run.id,
            channel: def.channel,
          });
        if (def.schedule_id) await this.#linkable(tx, ctx.farmId, def.schedule_id);
        const row = await wateringRepository.insertSchedule(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          run_id: run.id,
          ...columns(def),
          starts_on: localTime(now, ctx.timeZone).date,
          schedule_id: def.schedule_id,
          schedule_owned: false,
          request_hash: requestHash,
          created_at: now,
          updated_at: now,
        });
        if (!row) return undefined;
        const pumped = await this.#pump(tx, ctx, run, row, def, meta);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'watering_schedule.created',
          category: 'crops',
          message: `Watering schedule (${def.channel}) of run ${run.name} made`,
          data: { watering_schedule_id: row.id, run_id: run.id, schedule_id: pumped.row.schedule_id },
        });
        return pumped;
      };
      if (!input.id) {
        const made = (await create(undefined, null))!;
        return { value: { schedule: made.row, created: true }, send: made.send };
      }
      const clientId = input.id;
      let send = async () => {};
      const { row, created } = await idempotent({
        request: { ...input, id: undefined, run_id: run.id },
        find: () => wateringRepository.findSchedule(tx, ctx.farmId, clientId),
        create: async (hash) => {
          const made = await create(clientId, hash);
          if (made) send = made.send;
          return made?.row;
        },
        storedHash: (r) => r.request_hash,
        details: { id: clientId },
      });
      return { value: { schedule: row, created }, send };
    });
    await send();
    return value;
  }

  /** Changes a watering schedule, and the pump schedule it made with it. */
  async update(
    ctx: FarmContext,
    id: string,
    patch: WateringSchedulePatch,
    meta: RequestMeta,
  ): Promise<WateringScheduleRow> {
    const now = this.deps.clock.now();
    const { row, send } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#schedule(tx, ctx.farmId, id, true);
      const def = resolve(current, patch);
      const run = (await cropsRepository.findRun(tx, ctx.farmId, current.run_id))!;
      if (def.channel !== current.channel && (await wateringRepository.scheduleOn(tx, ctx.farmId, run.id, def.channel)))
        throw conflict('WATERING_SCHEDULE_EXISTS', `Run ${run.name} has a ${def.channel} schedule already`, {
          run_id: run.id,
          channel: def.channel,
        });
      if (def.schedule_id && def.schedule_id !== current.schedule_id)
        await this.#linkable(tx, ctx.farmId, def.schedule_id);
      const updated = (await wateringRepository.updateSchedule(tx, ctx.farmId, id, {
        ...columns(def),
        // The pump's own schedule is decided below; a link is kept as asked.
        schedule_id: current.schedule_owned ? current.schedule_id : def.schedule_id,
        // New days or times: the job looks at every day again (a task's key is still made once).
        tasks_through: null,
        updated_at: now,
      }))!;
      const pumped = await this.#pump(tx, ctx, run, updated, def, meta);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'watering_schedule.updated',
        category: 'crops',
        message: `Watering schedule (${def.channel}) of run ${run.name} changed`,
        data: { watering_schedule_id: id, changed: Object.keys(patch) },
      });
      return pumped;
    });
    await send();
    return row;
  }

  /**
   * A run has ended (completed or cancelled) or is being deleted, inside the caller's transaction: its
   * active watering schedules stop (made inactive, so the job makes no more tasks) and the pump schedules
   * they made are disabled — or, for a deleted run, removed with it. A linked schedule is left alone.
   * Returns what to send after the commit (a pump switched off).
   */
  async runEnded(
    tx: Tx,
    ctx: FarmContext,
    run: RunRow,
    how: 'ended' | 'deleted',
    meta: RequestMeta,
  ): Promise<() => Promise<void>> {
    const sends: Array<() => Promise<void>> = [];
    for (const current of await wateringRepository.schedulesOf(tx, ctx.farmId, run.id)) {
      const owned = current.schedule_owned && current.schedule_id ? current.schedule_id : null;
      if (how === 'deleted') {
        if (owned) await this.deps.schedules.removeIn(tx, ctx, owned, meta);
        continue;
      }
      if (!current.active) continue;
      const def = resolve(current, { active: false });
      const stopped = (await wateringRepository.updateSchedule(tx, ctx.farmId, current.id, {
        active: false,
        updated_at: this.deps.clock.now(),
      }))!;
      sends.push((await this.#pump(tx, ctx, run, stopped, def, meta)).send);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'watering_schedule.updated',
        category: 'crops',
        message: `Watering schedule (${current.channel}) of run ${run.name} stopped: the run has ended`,
        data: { watering_schedule_id: current.id, changed: ['active'] },
      });
    }
    return async () => {
      for (const send of sends) await send();
    };
  }

  /** Deletes a watering schedule, and the pump schedule it made (a linked one stays). */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#schedule(tx, ctx.farmId, id, true);
      if (current.schedule_owned && current.schedule_id)
        await this.deps.schedules.removeIn(tx, ctx, current.schedule_id, meta);
      await wateringRepository.removeSchedule(tx, ctx.farmId, id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'watering_schedule.deleted',
        category: 'crops',
        message: `Watering schedule (${current.channel}) deleted`,
        data: { watering_schedule_id: id, run_id: current.run_id },
      });
    });
  }

  /**
   * Makes, changes or removes the duration schedule that runs the pump, so that it does what the
   * watering schedule says (on its weekdays at its times, enabled while it is active). Returns the row
   * as it now is, and what to send after the commit.
   */
  async #pump(
    tx: Tx,
    ctx: FarmContext,
    run: RunRow,
    row: WateringScheduleRow,
    def: Definition,
    meta: RequestMeta,
  ): Promise<{ row: WateringScheduleRow; send: () => Promise<void> }> {
    const nothing = async () => {};
    const owned = row.schedule_owned && row.schedule_id ? row.schedule_id : null;
    if (!def.pump) {
      if (!owned) return { row, send: nothing };
      await this.deps.schedules.removeIn(tx, ctx, owned, meta);
      const cleared = await wateringRepository.updateSchedule(tx, ctx.farmId, row.id, {
        schedule_id: def.schedule_id,
        schedule_owned: false,
      });
      return { row: cleared!, send: nothing };
    }
    const body = {
      name: `Watering ${run.name} (${CHANNEL_WORDS[def.channel]})`.slice(0, 200),
      device: def.pump.device,
      channel: def.pump.channel,
      kind: 'duration' as const,
      action: 'on' as const,
      enabled: def.active,
      ...(def.pump.priority !== undefined ? { priority: def.pump.priority } : {}),
      ...pumpSpec({
        weekdays: def.weekdays,
        preferredTime: def.preferred_time,
        timesPerDay: def.times_per_day,
        runS: def.pump.run_s,
      }),
    };
    if (owned) {
      const { row: schedule, send } = await this.deps.schedules.updateIn(tx, ctx, owned, body, meta);
      const stored = await wateringRepository.updateSchedule(tx, ctx.farmId, row.id, {
        pump: { device: def.pump.device, channel: def.pump.channel, run_s: def.pump.run_s },
        schedule_id: schedule.id,
      });
      return { row: stored!, send };
    }
    const schedule = await this.deps.schedules.createIn(tx, ctx, body, meta);
    const stored = await wateringRepository.updateSchedule(tx, ctx.farmId, row.id, {
      schedule_id: schedule.id,
      schedule_owned: true,
    });
    return { row: stored!, send: nothing };
  }

  async #linkable(tx: Tx, farmId: string, scheduleId: string): Promise<void> {
    if (!(await this.deps.schedules.findIn(tx, farmId, scheduleId)))
      throw invalid('No such schedule in this farm', {
        fields: [{ field: 'body.schedule_id', message: 'no such schedule' }],
      });
  }

  // Logs

  /**
   * Records a watering or feeding done (a feeding when something was mixed). With `task_id`, that
   * watering task of the run is completed; without, the run's task on that channel and day is. A
   * client-made `id` makes a resend store once.
   */
  async confirm(
    ctx: FarmContext,
    input: NewWateringLog,
    meta: RequestMeta,
  ): Promise<{ log: WateringLogRow; created: boolean }> {
    const now = this.deps.clock.now();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + 60_000)
      throw invalid('A watering is logged once it is done: at is now or earlier', {
        fields: [{ field: 'body.at', message: 'in the future' }],
      });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, input.run_id);
      let channel: WateringChannel = input.channel ?? 'drench';
      let taskKey: string | null = null;
      if (input.task_id) {
        const task = await taskReads.byId(tx, ctx.farmId, input.task_id);
        if (!task) throw notFound('task', { id: input.task_id });
        const taskChannel = task.source === WATERING_SOURCE ? task.key.split(':')[2] : undefined;
        if (task.run_id !== run.id || !taskChannel)
          throw invalid('The task is not a watering task of this run', {
            fields: [{ field: 'body.task_id', message: 'not a watering task of this run' }],
          });
        if (input.channel && input.channel !== taskChannel)
          throw invalid(`The task is a ${taskChannel} watering`, {
            fields: [{ field: 'body.channel', message: `the task's channel is ${taskChannel}` }],
          });
        channel = taskChannel as WateringChannel;
        taskKey = task.key;
      }
      const day = localTime(at, ctx.timeZone).date;
      const mix = input.mix ?? [];
      if (mix.length > 0) {
        const usable = await nutrientReads.usableFertilizers(
          tx,
          mix.map((m) => m.fertilizer_id),
        );
        const unknown = mix.map((m) => m.fertilizer_id).filter((id) => !usable.has(id));
        if (unknown.length > 0) throw notFound('fertilizer', { ids: unknown });
      }
      const create = async (id: string | undefined, requestHash: string | null) => {
        const row = await wateringRepository.insertLog(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          run_id: run.id,
          task_id: input.task_id ?? null,
          kind: mix.length > 0 ? 'feeding' : 'watering',
          channel,
          at,
          day,
          volume_l: input.volume_l,
          ec: input.ec ?? null,
          ph: input.ph ?? null,
          water_temp_c: input.water_temp_c ?? null,
          mix,
          note: input.note ?? '',
          user_id: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        await taskWrites.complete(tx, ctx.farmId, WATERING_SOURCE, [taskKey ?? wateringKey(run.id, channel, day)], now);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: row.kind === 'feeding' ? 'run.fed' : 'run.watered',
          category: 'crops',
          message: `Run ${run.name}: ${row.kind === 'feeding' ? 'fed' : 'watered'} (${row.volume_l} L, ${channel})`,
          data: { watering_log_id: row.id, run_id: run.id, task_id: row.task_id },
        });
        return row;
      };
      if (!input.id) return { log: (await create(undefined, null))!, created: true };
      const clientId = input.id;
      const { row, created } = await idempotent({
        request: { ...input, id: undefined, run_id: run.id, channel },
        find: () => wateringRepository.findLog(tx, ctx.farmId, clientId),
        create: (hash) => create(clientId, hash),
        storedHash: (r) => r.request_hash,
        details: { id: clientId },
      });
      return { log: row, created };
    });
  }

  /** A run's waterings and feedings, newest first, a page at a time. */
  logs(ctx: FarmContext, runId: string, query: WateringLogQueryInput & { limit: number }) {
    const before = query.cursor ? parseCursor(query.cursor) : undefined;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#run(tx, ctx.farmId, runId);
      const rows = await wateringRepository.logsOf(tx, ctx.farmId, runId, { before, limit: query.limit });
      const last = rows[rows.length - 1];
      return { rows, next_cursor: rows.length === query.limit && last ? `${last.at.toISOString()}_${last.id}` : null };
    });
  }

  // Volume

  /** A volume per watering to start from, from the plants' containers and phase (see the engine). */
  suggestion(
    ctx: FarmContext,
    runId: string,
  ): Promise<VolumeSuggestion & { run_id: string; plants: number; container_l: number | null; phase: string | null }> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, runId);
      const plants = await wateringRepository.standing(tx, ctx.farmId, run.id);
      const volumes = plants
        .map((p) => p.container_volume_l)
        .filter((v): v is number => v !== null && v > 0)
        .sort((a, b) => a - b);
      const containerL = volumes.length > 0 ? volumes[Math.floor(volumes.length / 2)]! : null;
      // The phase most of its plants are in.
      const counts = new Map<string, number>();
      for (const p of plants) if (p.phase_id) counts.set(p.phase_id, (counts.get(p.phase_id) ?? 0) + 1);
      const phaseId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      const growth = (await catalogReads.speciesForGrowth(tx, [run.species_id])).get(run.species_id);
      const phase = phaseId ? (growth?.sequence.phases.find((p) => p.id === phaseId)?.key ?? null) : null;
      const care = (await catalogReads.speciesForCare(tx, [run.species_id])).get(run.species_id);
      const count = plants.length > 0 ? plants.length : run.quantity;
      return {
        run_id: run.id,
        plants: count,
        container_l: containerL,
        phase,
        ...suggestVolume({
          containerL,
          plants: count,
          phaseKey: phase,
          speciesIntervalDays: care?.wateringIntervalDays ?? null,
        }),
      };
    });
  }

  // The daily job

  /**
   * The watering tasks a farm's schedules call for now (see the engine's taskDays): one per run,
   * channel and day, for runs still growing. Reads in the caller's farm transaction.
   */
  async tasksDue(tx: Tx, farmId: string, zone: string, now: Date): Promise<WateringTask[]> {
    const local = localTime(now, zone);
    const out: WateringTask[] = [];
    // A farm's schedules share a few days and times: each instant is worked out once.
    const instants = new Map<string, Date>();
    const instant = (day: string, hhmm: string) => {
      const key = `${day} ${hhmm}`;
      let found = instants.get(key);
      if (!found) instants.set(key, (found = localInstant(day, hhmm, zone)));
      return found;
    };
    const toWater = await wateringRepository.toWater(tx, farmId);
    const ticked = await this.#tickedDays(tx, farmId, zone, now, toWater);
    for (const item of toWater) {
      const { schedule: s } = item;
      const tick = ticked.get(`${s.run_id}:${s.channel}`) ?? null;
      const days = taskDays({
        rule: ruleOf(s),
        lastWatered:
          tick !== null && (item.last_watered === null || tick > item.last_watered) ? tick : item.last_watered,
        startsOn: s.starts_on,
        today: local.date,
        nowMinute: local.minuteOfDay,
        preferredTime: s.preferred_time,
        reminderHoursBefore: s.reminder_hours_before,
      });
      // Days whose task was made already are skipped (their keys would make none anyway).
      for (const day of days)
        if (s.tasks_through === null || day > s.tasks_through) out.push(taskOf(item, day, instant));
    }
    return out;
  }

  /**
   * For every-N-days schedules: the latest day each run and channel counts as watered by its done tasks —
   * a task ticked off in the task list (no log written), or done early or late, counts for the later of
   * its own day and the day it was done — so the next due day moves on either way.
   */
  async #tickedDays(
    tx: Tx,
    farmId: string,
    zone: string,
    now: Date,
    toWater: Array<{ schedule: WateringScheduleRow }>,
  ): Promise<Map<string, string>> {
    const runIds = [...new Set(toWater.filter((i) => i.schedule.mode === 'interval').map((i) => i.schedule.run_id))];
    const out = new Map<string, string>();
    if (runIds.length === 0) return out;
    const since = new Date(now.getTime() - (MAX_INTERVAL_DAYS + 2) * 86_400_000);
    for (const task of await taskReads.doneForRuns(tx, farmId, { source: WATERING_SOURCE, runIds, since })) {
      const [, runId, channel, keyDay] = task.key.split(':');
      if (!runId || !channel || !keyDay) continue;
      const doneDay = localTime(task.doneAt, zone).date;
      const day = doneDay > keyDay ? doneDay : keyDay;
      const at = `${runId}:${channel}`;
      if ((out.get(at) ?? '') < day) out.set(at, day);
    }
    return out;
  }

  /** Makes the tasks (a key made before makes none); how many it made. */
  async makeTasks(tx: Tx, farmId: string, tasks: WateringTask[], now: Date): Promise<number> {
    let made = 0;
    const through = new Map<string, string>();
    for (const task of tasks) {
      if ((through.get(task.scheduleId) ?? '') < task.day) through.set(task.scheduleId, task.day);
      const { created } = await taskWrites.ensure(
        tx,
        farmId,
        {
          title: task.title,
          kind: 'water',
          dueAt: task.dueAt,
          runId: task.runId,
          locationId: task.locationId,
          source: WATERING_SOURCE,
          key: task.key,
          notes: task.notes,
        },
        now,
      );
      if (created) made += 1;
    }
    await wateringRepository.madeThrough(tx, farmId, through);
    return made;
  }

  /** One farm's watering tasks due now; undefined for a farm gone. */
  async waterFarm(farmId: string, now: Date): Promise<number | undefined> {
    const farm = await this.deps.db.system((tx) => farmReads.byId(tx, farmId));
    if (!farm || farm.deleted_at) return undefined;
    return this.deps.db.farm(farmId, async (tx) =>
      this.makeTasks(tx, farmId, await this.tasksDue(tx, farmId, farm.time_zone, now), now),
    );
  }

  /**
   * The daily watering job: every farm with an active watering schedule gets the watering tasks due
   * by its local time now. Idempotent: a task's key (run, channel, day) is made once.
   */
  async runDailyWatering(): Promise<{ farms: number; tasks: number }> {
    const now = this.deps.clock.now();
    const farmIds = await this.deps.db.system((tx) => wateringRepository.farmsWatering(tx));
    let farms = 0;
    let tasks = 0;
    for (const farmId of farmIds) {
      try {
        const made = await this.waterFarm(farmId, now);
        if (made !== undefined) {
          farms += 1;
          tasks += made;
        }
      } catch (error) {
        this.deps.log.error({ err: error, farmId }, 'daily watering of a farm failed (tried again next time)');
      }
    }
    return { farms, tasks };
  }

  // Inside

  async #run(tx: Tx, farmId: string, id: string): Promise<RunRow> {
    const run = await cropsRepository.findRun(tx, farmId, id);
    if (!run) throw notFound('planting run', { id });
    return run;
  }

  async #schedule(tx: Tx, farmId: string, id: string, lock = false): Promise<WateringScheduleRow> {
    const row = await wateringRepository.findSchedule(tx, farmId, id, lock);
    if (!row) throw notFound('watering schedule', { id });
    return row;
  }
}

/**
 * Of these plants, those whose run has an active watering schedule (in the caller's farm transaction):
 * care makes no watering reminders for them — the schedule's tasks water them.
 */
export const plantsOnWateringSchedule = (tx: Tx, farmId: string, plantIds: string[]): Promise<Set<string>> =>
  wateringRepository.scheduledPlants(tx, farmId, plantIds);

function taskOf(item: ScheduleToWater, day: string, instant: (day: string, hhmm: string) => Date): WateringTask {
  const s = item.schedule;
  const times = wateringTimes(s.preferred_time, s.times_per_day);
  const notes = [
    `${times.length === 1 ? 'At' : `${times.length} times: at`} ${times.join(', ')} (farm time)`,
    ...(s.volume_per_plant_l !== null ? [`${s.volume_per_plant_l} L per plant each time`] : []),
    ...(s.pump
      ? [`the pump (${s.pump.device}${s.pump.channel ? `/${s.pump.channel}` : ''}) runs ${s.pump.run_s} s each time`]
      : []),
    ...(s.reminder_hours_before > 0 ? [`reminded ${s.reminder_hours_before} h before`] : []),
  ];
  return {
    key: wateringKey(item.run.id, s.channel, day),
    scheduleId: s.id,
    day,
    runId: item.run.id,
    locationId: item.run.location_id,
    title: `${s.feed ? 'Feed' : 'Water'}: ${item.run.name} (${CHANNEL_WORDS[s.channel]})`,
    dueAt: instant(day, s.preferred_time),
    notes: notes.join('; '),
  };
}

function parseCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = cursor.split('_');
  const at = new Date(iso ?? '');
  if (!id || Number.isNaN(at.getTime())) throw invalid('Not a cursor of this list', { cursor });
  return { at, id };
}

/** The stored columns of a definition. */
function columns(def: Definition) {
  return {
    channel: def.channel,
    mode: def.mode,
    weekdays: def.weekdays,
    interval_days: def.interval_days,
    preferred_time: def.preferred_time,
    times_per_day: def.times_per_day,
    reminder_hours_before: def.reminder_hours_before,
    volume_per_plant_l: def.volume_per_plant_l,
    feed: def.feed,
    active: def.active,
    pump: def.pump ? { device: def.pump.device, channel: def.pump.channel, run_s: def.pump.run_s } : null,
  };
}

/**
 * What a schedule becomes from what is stored (none for a new one) and what a request says; refuses
 * what does not fit together (400 naming the field): a mode without its days or interval, or with the
 * other mode's; a pump in interval mode (a timetable cannot follow "N days after the last watering");
 * a pump and a linked schedule both.
 */
function resolve(
  current: WateringScheduleRow | undefined,
  input: NewWateringSchedule | WateringSchedulePatch,
): Definition {
  const mode = input.mode ?? current!.mode;
  const modeChanged = current !== undefined && mode !== current.mode;
  const problems: Array<{ field: string; message: string }> = [];
  if (mode === 'weekdays' && input.interval_days !== undefined)
    problems.push({ field: 'body.interval_days', message: 'only with mode interval' });
  if (mode === 'interval' && input.weekdays !== undefined)
    problems.push({ field: 'body.weekdays', message: 'only with mode weekdays' });
  const weekdays =
    mode === 'weekdays' ? (input.weekdays ?? (modeChanged ? undefined : current?.weekdays)) : ([] as number[]);
  const intervalDays =
    mode === 'interval' ? (input.interval_days ?? (modeChanged ? undefined : current?.interval_days)) : null;
  if (mode === 'weekdays' && (!weekdays || weekdays.length === 0))
    problems.push({ field: 'body.weekdays', message: 'mode weekdays lists the weekdays (0 = Sunday … 6 = Saturday)' });
  if (mode === 'interval' && (intervalDays === undefined || intervalDays === null))
    problems.push({ field: 'body.interval_days', message: 'mode interval says every how many days (1–90)' });
  const stored = current?.pump ?? null;
  const pump =
    input.pump !== undefined
      ? input.pump && {
          device: input.pump.device,
          channel: input.pump.channel ?? null,
          run_s: input.pump.run_s,
          priority: input.pump.priority,
        }
      : stored;
  const linked =
    input.schedule_id !== undefined
      ? input.schedule_id
      : current && !current.schedule_owned
        ? current.schedule_id
        : null;
  if (pump && linked)
    problems.push({ field: 'body.schedule_id', message: 'a pump makes its own schedule: give pump or schedule_id' });
  if (pump && mode === 'interval')
    problems.push({
      field: 'body.pump',
      message: 'a pump runs on weekdays: "every N days after the last watering" is no timetable (use mode weekdays)',
    });
  if (problems.length > 0)
    throw invalid(problems.map((p) => `${p.field.replace(/^body\./, '')} ${p.message}`).join('; '), {
      fields: problems,
    });
  return {
    channel: input.channel ?? current?.channel ?? 'drench',
    mode,
    weekdays: [...(weekdays ?? [])].sort((a, b) => a - b),
    interval_days: intervalDays ?? null,
    preferred_time: input.preferred_time ?? current?.preferred_time ?? '08:00',
    times_per_day: input.times_per_day ?? current?.times_per_day ?? 1,
    reminder_hours_before: input.reminder_hours_before ?? current?.reminder_hours_before ?? 0,
    volume_per_plant_l:
      input.volume_per_plant_l !== undefined ? input.volume_per_plant_l : (current?.volume_per_plant_l ?? null),
    feed: input.feed ?? current?.feed ?? false,
    active: input.active ?? current?.active ?? true,
    pump,
    schedule_id: pump ? null : linked,
  };
}
