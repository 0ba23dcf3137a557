import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { isUuid } from '../../platform/ids.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import type { NotificationsService } from '../alerts/index.js';
import { digestAudience, digestText, doesTasks, localDay, snoozedTo, transition } from './tasks.engine.js';
import { tasksRepository as repo, type Reference, type TaskRow } from './tasks.repository.js';
import type { Complete, NewTask, Skip, SnoozeInput, TaskPatch, TasksQuery } from './tasks.schemas.js';
import { taskView } from './tasks.views.js';

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
  notifications: NotificationsService;
}

const REFERENCE_NOUNS: Record<Reference, string> = {
  plant_id: 'Plant',
  run_id: 'Planting run',
  location_id: 'Location',
  hive_id: 'Hive',
};
const REFERENCES = Object.keys(REFERENCE_NOUNS) as Reference[];

/** The alert type of the morning digest, so a subscription can take or leave it. */
export const TASK_DUE = 'task_due';

/** How far ahead any farm's local day can end (UTC+14 and a day): farms with tasks due before it are looked at. */
const DAY_AHEAD_MS = 38 * 3_600_000;

function personOf(caller: Caller): string {
  if (caller.kind !== 'user') throw forbidden('“Today” belongs to a signed-in person, not an API key or a device');
  return caller.userId;
}

const userIdOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

/** The cursor of a task list: the last task's due time and id. */
function afterOf(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const [due, id] = cursor.split('_');
  const dueAt = new Date(due ?? '');
  if (!id || !isUuid(id) || Number.isNaN(dueAt.getTime()))
    throw invalid('The request is not valid: query.cursor is not a cursor of this list', {
      fields: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
    });
  return { dueAt, id };
}

/**
 * The farm's task list: manual tasks and those other modules make, completed (with a client-made id,
 * the one idempotency rule), skipped, reopened and snoozed; each person's "today" across their farms;
 * and the morning digest of due tasks.
 */
export class TasksService {
  constructor(private readonly deps: Deps) {}

  list(ctx: FarmContext, query: TasksQuery) {
    const after = afterOf(query.cursor);
    const assignee =
      query.assignee === undefined
        ? undefined
        : query.assignee === 'none'
          ? null
          : query.assignee === 'me'
            ? (userIdOf(ctx.caller) ?? randomUUID()) // an API key is nobody's assignee: an empty list
            : query.assignee;
    return this.deps.db.farm(ctx.farmId, (tx) =>
      repo.list(tx, ctx.farmId, {
        dueBefore: query.due_before ? new Date(query.due_before) : undefined,
        assignee,
        status: query.status,
        kind: query.kind,
        source: query.source,
        hiveId: query.hive_id,
        plantId: query.plant_id,
        after,
        limit: query.limit ?? 100,
      }),
    );
  }

  one(ctx: FarmContext, id: string): Promise<TaskRow> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#task(tx, ctx.farmId, id));
  }

  /** A manual task; a client-made `id` follows the one idempotency rule (201, then 200 for the same body). */
  async create(ctx: FarmContext, input: NewTask, meta: RequestMeta): Promise<{ row: TaskRow; created: boolean }> {
    const now = this.deps.clock.now();
    const { id: clientId, ...request } = input;
    const id = clientId ?? randomUUID();
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const make = async (requestHash: string | null) => {
        await this.#checkAbout(tx, ctx.farmId, input);
        const row = await repo.insert(tx, {
          id,
          farm_id: ctx.farmId,
          title: input.title.trim(),
          kind: input.kind ?? 'general',
          due_at: new Date(input.due_at),
          assignee_id: input.assignee_id ?? null,
          plant_id: input.plant_id ?? null,
          run_id: input.run_id ?? null,
          location_id: input.location_id ?? null,
          hive_id: input.hive_id ?? null,
          source: 'manual',
          key: id,
          notes: input.notes ?? '',
          status: 'open',
          closed_at: null,
          closed_by: null,
          completion_id: null,
          completion_hash: null,
          close_note: null,
          request_hash: requestHash,
          created_by: userIdOf(ctx.caller),
          created_at: now,
          updated_at: now,
        });
        if (row)
          await recordAudit(tx, this.deps.clock, {
            farmId: ctx.farmId,
            caller: ctx.caller,
            meta,
            eventType: 'task.created',
            category: 'tasks',
            message: `Task "${row.title}" added`,
            data: { task_id: row.id, source: 'manual' },
          });
        return row;
      };
      if (clientId === undefined) {
        const row = await make(null);
        if (!row) throw new Error('a fresh task id was taken');
        return { row, created: true };
      }
      return idempotent({
        request,
        find: () => repo.find(tx, ctx.farmId, clientId),
        create: make,
        storedHash: (stored) => stored.request_hash,
        details: { id: clientId },
      });
    });
    if (result.created) this.#announce(ctx.farmId, 'created', result.row);
    return result;
  }

  /** Changes a task's title, kind, due time, assignee, notes or what it is about. */
  async update(ctx: FarmContext, id: string, patch: TaskPatch, meta: RequestMeta): Promise<TaskRow> {
    const now = this.deps.clock.now();
    const row = await this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#task(tx, ctx.farmId, id, true);
      await this.#checkAbout(tx, ctx.farmId, patch);
      const updated = await repo.update(tx, ctx.farmId, id, {
        ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
        ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
        ...(patch.due_at !== undefined ? { due_at: new Date(patch.due_at) } : {}),
        ...(patch.assignee_id !== undefined ? { assignee_id: patch.assignee_id } : {}),
        ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
        ...Object.fromEntries(REFERENCES.filter((r) => patch[r] !== undefined).map((r) => [r, patch[r]])),
        updated_at: now,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'task.updated',
        category: 'tasks',
        message: `Task "${updated.title}" changed`,
        data: { task_id: id, changed: Object.keys(patch) },
      });
      return updated;
    });
    this.#announce(ctx.farmId, 'updated', row);
    return row;
  }

  /**
   * Marks a task done. The completion's id is made by the client (the one idempotency rule): the same
   * id and body again answer the task as it is now (200, nothing changed); the same id with another
   * body is IDEMPOTENCY_CONFLICT; another completion of a done task is 409 TASK_DONE.
   */
  async complete(ctx: FarmContext, id: string, input: Complete, meta: RequestMeta): Promise<TaskRow> {
    const now = this.deps.clock.now();
    const doneAt = input.done_at ? new Date(input.done_at) : now;
    if (doneAt.getTime() > now.getTime())
      throw invalid('A task cannot be done in the future', {
        fields: [{ field: 'body.done_at', message: 'is in the future' }],
      });
    let changed = false;
    const { row } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#task(tx, ctx.farmId, id);
      return idempotent({
        request: { task_id: id, done_at: input.done_at, note: input.note },
        find: () => repo.byCompletion(tx, ctx.farmId, input.id),
        create: async (requestHash) => {
          const task = await this.#task(tx, ctx.farmId, id, true);
          // Completed by a twin of this request that committed first: the helper answers its row.
          if (task.completion_id === input.id) return undefined;
          const allowed = transition(task.status, 'complete');
          if (!allowed.ok) throw conflict(allowed.code, allowed.message, { id, status: task.status });
          const done = await repo.update(tx, ctx.farmId, id, {
            status: 'done',
            closed_at: doneAt,
            closed_by: userIdOf(ctx.caller),
            completion_id: input.id,
            completion_hash: requestHash,
            close_note: input.note ?? null,
            updated_at: now,
          });
          await recordAudit(tx, this.deps.clock, {
            farmId: ctx.farmId,
            caller: ctx.caller,
            meta,
            eventType: 'task.completed',
            category: 'tasks',
            message: `Task "${done.title}" done`,
            data: { task_id: id, completion_id: input.id },
          });
          changed = true;
          return done;
        },
        storedHash: (stored) => stored.completion_hash,
        details: { id: input.id },
      });
    });
    if (changed) this.#announce(ctx.farmId, 'updated', row);
    return row;
  }

  /** Skips an open task (a skipped one is answered as it is; a done one is 409 TASK_DONE). */
  skip(ctx: FarmContext, id: string, input: Skip, meta: RequestMeta): Promise<TaskRow> {
    return this.#change(ctx, id, meta, (task, now) => {
      if (task.status === 'skipped') return undefined;
      const allowed = transition(task.status, 'skip');
      if (!allowed.ok) throw conflict(allowed.code, allowed.message, { id, status: task.status });
      return {
        patch: { status: 'skipped', closed_at: now, closed_by: userIdOf(ctx.caller), close_note: input.note ?? null },
        event: 'task.skipped',
        message: `Task "${task.title}" skipped`,
      };
    });
  }

  /** Opens a done or skipped task again: its completion is forgotten (an open one is answered as it is). */
  reopen(ctx: FarmContext, id: string, meta: RequestMeta): Promise<TaskRow> {
    return this.#change(ctx, id, meta, (task) => {
      if (task.status === 'open') return undefined;
      return {
        patch: {
          status: 'open',
          closed_at: null,
          closed_by: null,
          completion_id: null,
          completion_hash: null,
          close_note: null,
        },
        event: 'task.reopened',
        message: `Task "${task.title}" reopened`,
      };
    });
  }

  /** Moves an open task's due time by whole days or to a later time. */
  snooze(ctx: FarmContext, id: string, input: SnoozeInput, meta: RequestMeta): Promise<TaskRow> {
    const snooze =
      input.days !== undefined ? { days: input.days } : input.until !== undefined ? { until: input.until } : undefined;
    if (!snooze)
      throw invalid('Snooze by days or until a time', { fields: [{ field: 'body.days', message: 'or body.until' }] });
    return this.#change(ctx, id, meta, (task, now) => {
      const allowed = transition(task.status, 'snooze');
      if (!allowed.ok) throw conflict(allowed.code, allowed.message, { id, status: task.status });
      const to = snoozedTo(task.due_at, snooze, now, ctx.timeZone);
      if (!to.ok)
        throw invalid(`The request is not valid: ${to.field} ${to.message}`, {
          fields: [{ field: to.field, message: to.message }],
        });
      return {
        patch: { due_at: to.dueAt },
        event: 'task.snoozed',
        message: `Task "${task.title}" snoozed until ${to.dueAt.toISOString()}`,
        data: { from: task.due_at.toISOString(), to: to.dueAt.toISOString() },
      };
    });
  }

  /** One change of a task under its row lock: `decide` gives the patch, or undefined to answer it unchanged. */
  async #change(
    ctx: FarmContext,
    id: string,
    meta: RequestMeta,
    decide: (
      task: TaskRow,
      now: Date,
    ) =>
      | { patch: Parameters<typeof repo.update>[3]; event: string; message: string; data?: Record<string, unknown> }
      | undefined,
  ): Promise<TaskRow> {
    const now = this.deps.clock.now();
    let changed = false;
    const row = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const task = await this.#task(tx, ctx.farmId, id, true);
      const change = decide(task, now);
      if (!change) return task;
      const updated = await repo.update(tx, ctx.farmId, id, { ...change.patch, updated_at: now });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: change.event,
        category: 'tasks',
        message: change.message,
        data: { task_id: id, ...change.data },
      });
      changed = true;
      return updated;
    });
    if (changed) this.#announce(ctx.farmId, 'updated', row);
    return row;
  }

  /**
   * The person's "today" in each of their farms, one farm scope after another (see migration 0021):
   * open tasks due before the end of the farm's local day, overdue ones included — those assigned to
   * them, and the unassigned ones where they do tasks (worker or above).
   */
  async today(caller: Caller) {
    const userId = personOf(caller);
    const now = this.deps.clock.now();
    const farms = await this.deps.db.user(userId, (tx) => repo.farmsOf(tx, userId));
    const out = [];
    for (const farm of farms) {
      const { day, end } = localDay(now, farm.time_zone);
      const tasks = await this.deps.db.farm(
        farm.id,
        (tx) => repo.dueFor(tx, farm.id, end, { userId, unassigned: doesTasks(farm.role) }, 500),
        userId,
      );
      out.push({
        farm: { id: farm.id, slug: farm.slug, name: farm.name, time_zone: farm.time_zone },
        role: farm.role,
        day,
        tasks,
      });
    }
    return out;
  }

  /**
   * The morning digest (a job every quarter hour): in each farm whose local time has passed the digest
   * hour, each person is sent one notification (alert type `task_due`) listing their open tasks due
   * today or overdue — once per farm and local day, however often the job runs — and the farm's due
   * tasks are announced once on its live channel.
   */
  async sendDigests(): Promise<{ farms: number; sent: number }> {
    const now = this.deps.clock.now();
    const farms = await this.deps.db.system((tx) => repo.farmsWithDue(tx, new Date(now.getTime() + DAY_AHEAD_MS)));
    let sent = 0;
    let reached = 0;
    for (const farm of farms) {
      try {
        const n = await this.#digestFarm(farm, now);
        if (n > 0) reached += 1;
        sent += n;
      } catch (error) {
        this.deps.log.error({ err: error, farmId: farm.id }, 'the task digest of a farm failed (tried again next run)');
      }
    }
    return { farms: reached, sent };
  }

  async #digestFarm(farm: { id: string; name: string; time_zone: string }, now: Date): Promise<number> {
    if (localTime(now, farm.time_zone).hour < this.deps.config.taskDigestHour) return 0;
    const { day, end } = localDay(now, farm.time_zone);
    const { due, members, announce } = await this.deps.db.farm(farm.id, async (tx) => {
      const due = await repo.open(tx, farm.id, end, 500);
      return {
        due,
        members: await repo.members(tx, farm.id),
        announce: due.length > 0 && (await repo.claimDueDay(tx, farm.id, day, now)),
      };
    });
    if (announce)
      this.deps.live.farmEvent(farm.id, { type: 'task', change: 'due', day, tasks: due.slice(0, 100).map(taskView) });
    let sent = 0;
    for (const [userId, tasks] of digestAudience(due, members)) {
      const claimed = await this.deps.db.farm(farm.id, (tx) =>
        repo.claimDigest(tx, farm.id, day, userId, tasks.length, now),
      );
      if (!claimed) continue;
      try {
        const { title, message } = digestText(farm.name, tasks, day, farm.time_zone);
        await this.deps.notifications.remind(
          farm.id,
          {
            title,
            message,
            type: TASK_DUE,
            data: { alert_type: TASK_DUE, day, task_ids: tasks.slice(0, 100).map((t) => t.id) },
          },
          { users: [userId] },
        );
        sent += 1;
      } catch (error) {
        // Not sent: the claim goes, so the next run tries again.
        await this.deps.db.farm(farm.id, (tx) => repo.releaseDigest(tx, farm.id, day, userId));
        throw error;
      }
    }
    return sent;
  }

  async #task(tx: Tx, farmId: string, id: string, lock = false): Promise<TaskRow> {
    const task = await repo.find(tx, farmId, id, lock);
    if (!task) throw notFound('Task', { id });
    return task;
  }

  /** What a task is about and who does it must be the farm's: another farm's (or no) row is 404, naming the field. */
  async #checkAbout(tx: Tx, farmId: string, input: Partial<Record<Reference | 'assignee_id', string | null>>) {
    for (const reference of REFERENCES) {
      const value = input[reference];
      if (value && !(await repo.has(tx, farmId, reference, value)))
        throw notFound(REFERENCE_NOUNS[reference], { field: `body.${reference}`, id: value });
    }
    if (input.assignee_id) {
      const role = await repo.role(tx, farmId, input.assignee_id);
      if (!role) throw notFound('Member', { field: 'body.assignee_id', id: input.assignee_id });
      if (!doesTasks(role))
        throw invalid('A viewer cannot be given tasks: make them a worker first', {
          fields: [{ field: 'body.assignee_id', message: 'is a viewer' }],
        });
    }
  }

  /** A task on the farm's live channel (after the commit). */
  #announce(farmId: string, change: 'created' | 'updated', task: TaskRow): void {
    this.deps.live.farmEvent(farmId, { type: 'task', change, task: taskView(task) });
  }
}
