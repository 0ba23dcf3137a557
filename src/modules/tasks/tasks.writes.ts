import type { Clock } from '../../platform/clock.js';
import type { Tx } from '../../platform/db/database.js';
import { randomUUID } from 'node:crypto';
import { recordAudit, recordAudits } from '../audit/index.js';
import { tasksRepository as repo } from './tasks.repository.js';
import type { TaskKind } from './tasks.tables.js';

/** A task another module makes (care reminders, hive inspections, onboarding …). */
export interface GeneratedTask {
  title: string;
  kind: TaskKind;
  dueAt: Date;
  assigneeId?: string | null;
  plantId?: string | null;
  runId?: string | null;
  locationId?: string | null;
  hiveId?: string | null;
  /** Who made it: 'manual' | 'care' | 'beekeeping' | 'onboarding' | … */
  source: string;
  /** Idempotency key within (farm, source): the same key never makes a second task. */
  key: string;
  notes?: string;
}

const at = (now: Date): Clock => ({ now: () => now });

function newRow(farmId: string, task: GeneratedTask, now: Date) {
  return {
    id: randomUUID(),
    farm_id: farmId,
    title: task.title.trim().slice(0, 200),
    kind: task.kind,
    due_at: task.dueAt,
    assignee_id: task.assigneeId ?? null,
    plant_id: task.plantId ?? null,
    run_id: task.runId ?? null,
    location_id: task.locationId ?? null,
    hive_id: task.hiveId ?? null,
    source: task.source,
    key: task.key,
    notes: (task.notes ?? '').slice(0, 5000),
    status: 'open' as const,
    closed_at: null,
    closed_by: null,
    completion_id: null,
    completion_hash: null,
    close_note: null,
    request_hash: null,
    created_by: null,
    created_at: now,
    updated_at: now,
  };
}

const madeEvent = (farmId: string, source: string, row: { id: string; key: string; title: string }) => ({
  farmId,
  eventType: 'task.created',
  category: 'tasks',
  message: `Task "${row.title}" made by ${source}`,
  data: { task_id: row.id, source, key: row.key },
});

/** Closes the open tasks of a source with these keys as done or skipped; how many it closed. */
async function close(
  tx: Tx,
  farmId: string,
  source: string,
  keys: string[],
  status: 'done' | 'skipped',
  now: Date,
): Promise<number> {
  const open = await repo.openByKeys(tx, farmId, source, [...new Set(keys)]);
  const closed = await repo.closeAll(
    tx,
    farmId,
    open.map((t) => t.id),
    status,
    now,
  );
  for (const task of open)
    await recordAudit(tx, at(now), {
      farmId,
      eventType: status === 'done' ? 'task.completed' : 'task.skipped',
      category: 'tasks',
      message: `Task "${task.title}" ${status === 'done' ? 'done' : 'retired'} by ${source}`,
      data: { task_id: task.id, source, key: task.key },
    });
  return closed;
}

/** What other modules write to the task list, inside their own transaction (farm scope already set). */
export const taskWrites = {
  /** In the caller's transaction (farm scope already set): makes the task unless (farm, source, key) exists. */
  async ensure(tx: Tx, farmId: string, task: GeneratedTask, now: Date): Promise<{ id: string; created: boolean }> {
    const existing = await repo.byKey(tx, farmId, task.source, task.key);
    if (existing) return { id: existing.id, created: false };
    const row = await repo.insert(tx, newRow(farmId, task, now));
    if (!row) {
      // A concurrent twin made it first: its task answers.
      const twin = await repo.byKey(tx, farmId, task.source, task.key);
      if (!twin) throw new Error(`task ${task.source}/${task.key} was neither made nor found`);
      return { id: twin.id, created: false };
    }
    await recordAudit(tx, at(now), madeEvent(farmId, task.source, row));
    return { id: row.id, created: true };
  },

  /**
   * `ensure` for many tasks of one source at once (a daily job's thousands of reminders): a few statements
   * instead of three per task. Keys the farm already has are left as they are; how many tasks it made.
   */
  async ensureMany(tx: Tx, farmId: string, source: string, tasks: GeneratedTask[], now: Date): Promise<number> {
    const unique = [...new Map(tasks.map((t) => [t.key, { ...t, source }])).values()];
    const made = await repo.insertMany(
      tx,
      unique.map((task) => newRow(farmId, task, now)),
    );
    await recordAudits(
      tx,
      at(now),
      made.map((row) => madeEvent(farmId, source, row)),
    );
    return made.length;
  },

  /** Marks open tasks of a source skipped (e.g. a hive's inspection moved): those whose key is in `keys`. */
  retire: (tx: Tx, farmId: string, source: string, keys: string[], now: Date): Promise<number> =>
    close(tx, farmId, source, keys, 'skipped', now),

  /** Marks open tasks of a source done (e.g. the hive was inspected): those whose key is in `keys`. */
  complete: (tx: Tx, farmId: string, source: string, keys: string[], now: Date): Promise<number> =>
    close(tx, farmId, source, keys, 'done', now),

  /**
   * Opens again the task of a source under `key` when the module itself closed it (done or skipped by the
   * module, never by a person in the task list): the module's own undo, e.g. the event that completed it was
   * deleted as a mistake. Whether it reopened one.
   */
  async reopen(tx: Tx, farmId: string, source: string, key: string, now: Date): Promise<boolean> {
    const task = await repo.byKey(tx, farmId, source, key);
    if (!task || task.status === 'open' || task.closed_by !== null || task.completion_id !== null) return false;
    await repo.update(tx, farmId, task.id, {
      status: 'open',
      closed_at: null,
      close_note: null,
      completion_hash: null,
      updated_at: now,
    });
    await recordAudit(tx, at(now), {
      farmId,
      eventType: 'task.reopened',
      category: 'tasks',
      message: `Task "${task.title}" reopened by ${source}`,
      data: { task_id: task.id, source, key },
    });
    return true;
  },
};

/** What other modules read of the task list, inside their own transaction. */
export const taskReads = {
  /** A task of the farm by id (undefined when it has none): who made it, under which key, what it is about. */
  async byId(
    tx: Tx,
    farmId: string,
    id: string,
  ): Promise<
    { id: string; source: string; key: string; kind: TaskKind; run_id: string | null; status: string } | undefined
  > {
    const row = await repo.find(tx, farmId, id);
    return (
      row && { id: row.id, source: row.source, key: row.key, kind: row.kind, run_id: row.run_id, status: row.status }
    );
  },

  /** The latest done task of each plant and kind (of these kinds), keyed `plant:kind`: one query for a farm. */
  async latestCompletions(tx: Tx, farmId: string, kinds: TaskKind[]): Promise<Map<string, Date>> {
    const rows = await repo.latestCompletions(tx, farmId, kinds);
    return new Map(rows.map((r) => [`${r.plant_id}:${r.kind}`, new Date(r.closed_at as Date | string)]));
  },

  /**
   * Tasks of a source that a person ticked off in the task list (not closed by the module itself) since a
   * time, oldest first: the module that made them learns what was done there.
   */
  async doneInList(
    tx: Tx,
    farmId: string,
    q: { source: string; since: Date; limit: number },
  ): Promise<Array<{ id: string; key: string; doneAt: Date; doneBy: string | null }>> {
    const rows = await repo.doneInList(tx, farmId, q.source, q.since, q.limit);
    return rows.map((r) => ({ id: r.id, key: r.key, doneAt: r.closed_at!, doneBy: r.closed_by }));
  },

  /** Done tasks of a source for these runs closed since a time, newest first (watering counts from them). */
  async doneForRuns(
    tx: Tx,
    farmId: string,
    q: { source: string; runIds: string[]; since: Date },
  ): Promise<Array<{ key: string; runId: string; doneAt: Date }>> {
    const rows = await repo.doneForRuns(tx, farmId, q.source, q.runIds, q.since);
    return rows.map((r) => ({ key: r.key, runId: r.run_id!, doneAt: r.closed_at! }));
  },

  /** Open tasks of the farm due before `until` (a calendar feed lists these). */
  async open(
    tx: Tx,
    farmId: string,
    q: { until?: Date; limit: number },
  ): Promise<Array<{ id: string; title: string; kind: TaskKind; due_at: Date; notes: string }>> {
    const rows = await repo.open(tx, farmId, q.until, q.limit);
    return rows.map((r) => ({ id: r.id, title: r.title, kind: r.kind, due_at: r.due_at, notes: r.notes }));
  },

  /**
   * The keys of a source's open tasks that start with `prefix` (e.g. every open inspection task of one plant),
   * sorted: what a module closes when one of its events answers them all.
   */
  openKeys: (tx: Tx, farmId: string, q: { source: string; prefix: string }): Promise<string[]> =>
    repo.openKeysStartingWith(tx, farmId, q.source, q.prefix),
};
