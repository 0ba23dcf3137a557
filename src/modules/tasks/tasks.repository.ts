import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { Role } from '../../platform/tenancy/access.js';
import type { TaskKind, TaskStatus, TaskTable } from './tasks.tables.js';

export type TaskRow = Selectable<TaskTable>;

export interface TaskFilter {
  dueBefore?: Date | undefined;
  /** A person's id, or null for unassigned tasks. */
  assignee?: string | null | undefined;
  status?: TaskStatus | undefined;
  kind?: TaskKind | undefined;
  source?: string | undefined;
  hiveId?: string | undefined;
  plantId?: string | undefined;
  /** Keyset: after this (due_at, id). */
  after?: { dueAt: Date; id: string } | undefined;
  limit: number;
}

/** What a task may be about: the table holding each kind of reference. */
const REFERENCES = {
  plant_id: 'plants',
  run_id: 'planting_runs',
  location_id: 'locations',
  hive_id: 'hives',
} as const;
export type Reference = keyof typeof REFERENCES;

export const tasksRepository = {
  /** Inserts a task; undefined when the farm already has one with this id, or with this (source, key). */
  insert: (tx: Tx, row: Insertable<TaskTable>) =>
    tx
      .insertInto('tasks')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst(),

  /**
   * Inserts many tasks in statements of at most 500 rows; a row whose (source, key) — or id — the farm
   * already has is left out. The ids and keys of the rows made.
   */
  async insertMany(
    tx: Tx,
    rows: Array<Insertable<TaskTable>>,
  ): Promise<Array<{ id: string; key: string; title: string }>> {
    const made: Array<{ id: string; key: string; title: string }> = [];
    for (let i = 0; i < rows.length; i += 500)
      made.push(
        ...(await tx
          .insertInto('tasks')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) => oc.doNothing())
          .returning(['id', 'key', 'title'])
          .execute()),
      );
    return made;
  },

  find: (tx: Tx, farmId: string, id: string, lock = false) => {
    const query = tx.selectFrom('tasks').selectAll().where('farm_id', '=', farmId).where('id', '=', id);
    return (lock ? query.forUpdate() : query).executeTakeFirst();
  },
  byKey: (tx: Tx, farmId: string, source: string, key: string) =>
    tx
      .selectFrom('tasks')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('source', '=', source)
      .where('key', '=', key)
      .executeTakeFirst(),
  byCompletion: (tx: Tx, farmId: string, completionId: string) =>
    tx
      .selectFrom('tasks')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('completion_id', '=', completionId)
      .executeTakeFirst(),

  update: (tx: Tx, farmId: string, id: string, patch: Updateable<TaskTable>) =>
    tx
      .updateTable('tasks')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  /** A page of the farm's tasks by due time (then id). */
  list(tx: Tx, farmId: string, f: TaskFilter) {
    let query = tx.selectFrom('tasks').selectAll().where('farm_id', '=', farmId);
    if (f.dueBefore) query = query.where('due_at', '<', f.dueBefore);
    if (f.assignee !== undefined)
      query =
        f.assignee === null ? query.where('assignee_id', 'is', null) : query.where('assignee_id', '=', f.assignee);
    if (f.status) query = query.where('status', '=', f.status);
    if (f.kind) query = query.where('kind', '=', f.kind);
    if (f.source) query = query.where('source', '=', f.source);
    if (f.hiveId) query = query.where('hive_id', '=', f.hiveId);
    if (f.plantId) query = query.where('plant_id', '=', f.plantId);
    if (f.after) {
      const { dueAt, id } = f.after;
      query = query.where((eb) =>
        eb.or([eb('due_at', '>', dueAt), eb.and([eb('due_at', '=', dueAt), eb('id', '>', id)])]),
      );
    }
    return query.orderBy('due_at').orderBy('id').limit(f.limit).execute();
  },

  /** Open tasks due before `until`, for the people named (assigned to one of them) or unassigned when `unassigned`. */
  dueFor(tx: Tx, farmId: string, until: Date, who: { userId: string; unassigned: boolean }, limit: number) {
    return tx
      .selectFrom('tasks')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('status', '=', 'open')
      .where('due_at', '<', until)
      .where((eb) =>
        who.unassigned
          ? eb.or([eb('assignee_id', '=', who.userId), eb('assignee_id', 'is', null)])
          : eb('assignee_id', '=', who.userId),
      )
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  /** Open tasks of the farm due before `until` (all of them when absent), soonest first. */
  open: (tx: Tx, farmId: string, until: Date | undefined, limit: number) => {
    let query = tx.selectFrom('tasks').selectAll().where('farm_id', '=', farmId).where('status', '=', 'open');
    if (until) query = query.where('due_at', '<', until);
    return query.orderBy('due_at').orderBy('id').limit(limit).execute();
  },

  /** Open tasks of a source whose key is one of `keys`, locked. */
  openByKeys: (tx: Tx, farmId: string, source: string, keys: string[]) =>
    keys.length === 0
      ? Promise.resolve([] as TaskRow[])
      : tx
          .selectFrom('tasks')
          .selectAll()
          .where('farm_id', '=', farmId)
          .where('source', '=', source)
          .where('key', 'in', keys)
          .where('status', '=', 'open')
          .forUpdate()
          .execute(),

  /** Closes open tasks (by id) as done or skipped by a module (no person, no completion id). */
  async closeAll(tx: Tx, farmId: string, ids: string[], status: 'done' | 'skipped', at: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await tx
      .updateTable('tasks')
      .set({ status, closed_at: at, closed_by: null, updated_at: at })
      .where('farm_id', '=', farmId)
      .where('id', 'in', ids)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  /** The latest completion of each plant and kind among the farm's done tasks about plants. */
  latestCompletions: (tx: Tx, farmId: string, kinds: TaskKind[]) =>
    tx
      .selectFrom('tasks')
      .select(['plant_id', 'kind', (eb) => eb.fn.max('closed_at').as('closed_at')])
      .where('farm_id', '=', farmId)
      .where('status', '=', 'done')
      .where('plant_id', 'is not', null)
      .where('kind', 'in', kinds)
      .groupBy(['plant_id', 'kind'])
      .execute(),

  /** Tasks of a source a person completed in the list (with a completion id) since a time, oldest first. */
  doneInList(
    tx: Tx,
    farmId: string,
    source: string,
    since: Date,
    limit: number,
  ): Promise<Array<{ id: string; key: string; closed_at: Date | null; closed_by: string | null }>> {
    return tx
      .selectFrom('tasks')
      .select(['id', 'key', 'closed_at', 'closed_by'])
      .where('farm_id', '=', farmId)
      .where('source', '=', source)
      .where('status', '=', 'done')
      .where('completion_id', 'is not', null)
      .where('closed_at', '>=', since)
      .orderBy('closed_at')
      .limit(limit)
      .execute();
  },

  /** Done tasks of a source for these runs closed since a time (whoever closed them), newest first. */
  doneForRuns(
    tx: Tx,
    farmId: string,
    source: string,
    runIds: string[],
    since: Date,
  ): Promise<Array<{ key: string; run_id: string | null; closed_at: Date | null }>> {
    if (runIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('tasks')
      .select(['key', 'run_id', 'closed_at'])
      .where('farm_id', '=', farmId)
      .where('source', '=', source)
      .where('status', '=', 'done')
      .where('run_id', 'in', runIds)
      .where('closed_at', '>=', since)
      .orderBy('closed_at', 'desc')
      .execute();
  },

  /** Whether the farm has the row a task refers to (a plant, a run, a place, a hive). */
  async has(tx: Tx, farmId: string, reference: Reference, id: string): Promise<boolean> {
    const { rows } = await sql<{ found: boolean }>`select exists (
      select 1 from ${sql.table(REFERENCES[reference])} where farm_id = ${farmId} and id = ${id}) as found`.execute(tx);
    return rows[0]?.found === true;
  },

  /** A member's role in the farm (undefined: not a member). */
  role: async (tx: Tx, farmId: string, userId: string): Promise<Role | undefined> =>
    (
      await tx
        .selectFrom('memberships')
        .select('role')
        .where('farm_id', '=', farmId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
    )?.role,

  /** The farm's members with their roles. */
  members: (tx: Tx, farmId: string) =>
    tx.selectFrom('memberships').select(['user_id', 'role']).where('farm_id', '=', farmId).execute(),

  /** User scope: the person's live farms with their role and time zone. */
  farmsOf: (tx: Tx, userId: string) =>
    tx
      .selectFrom('farms')
      .innerJoin('memberships', 'memberships.farm_id', 'farms.id')
      .select(['farms.id', 'farms.slug', 'farms.name', 'farms.time_zone', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .where('farms.deleted_at', 'is', null)
      .orderBy('farms.name')
      .execute(),

  /** System scope: live farms with open tasks due before `until`, with their time zone. */
  farmsWithDue: (tx: Tx, until: Date) =>
    tx
      .selectFrom('farms')
      .select(['farms.id', 'farms.name', 'farms.time_zone'])
      .where('farms.deleted_at', 'is', null)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('tasks')
            .select('tasks.id')
            .whereRef('tasks.farm_id', '=', 'farms.id')
            .where('tasks.status', '=', 'open')
            .where('tasks.due_at', '<', until),
        ),
      )
      .execute(),

  /** Claims a person's digest of a farm's day; false when it was claimed before. */
  async claimDigest(tx: Tx, farmId: string, day: string, userId: string, tasks: number, at: Date): Promise<boolean> {
    const row = await tx
      .insertInto('task_digests')
      .values({ farm_id: farmId, day, user_id: userId, tasks, sent_at: at })
      .onConflict((oc) => oc.columns(['farm_id', 'day', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    return row !== undefined;
  },
  async releaseDigest(tx: Tx, farmId: string, day: string, userId: string): Promise<void> {
    await tx
      .deleteFrom('task_digests')
      .where('farm_id', '=', farmId)
      .where('day', '=', day)
      .where('user_id', '=', userId)
      .execute();
  },
  /** Claims the farm's due announcement of a day; false when it was made before. */
  async claimDueDay(tx: Tx, farmId: string, day: string, at: Date): Promise<boolean> {
    const row = await tx
      .insertInto('task_due_days')
      .values({ farm_id: farmId, day, announced_at: at })
      .onConflict((oc) => oc.columns(['farm_id', 'day']).doNothing())
      .returning('day')
      .executeTakeFirst();
    return row !== undefined;
  },
  /** The keys of a source's open tasks that start with `prefix`. */
  async openKeysStartingWith(tx: Tx, farmId: string, source: string, prefix: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('tasks')
      .select('key')
      .where('farm_id', '=', farmId)
      .where('source', '=', source)
      .where('status', '=', 'open')
      .where('key', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      .orderBy('key')
      .execute();
    return rows.map((r) => r.key);
  },
};
