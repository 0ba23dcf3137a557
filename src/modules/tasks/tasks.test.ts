import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  createFarm,
  createLocation,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import type { BusMessage } from '../../platform/live/bus.js';
import { taskReads, taskWrites } from './index.js';

/**
 * The farm's task list through the API. Sunny Acres is in Asia/Phnom_Penh (UTC+7), Hen House (the
 * admin's second farm) and Elsewhere (a farm the admin is not in) in Europe/Berlin (UTC+2 in June).
 * The clock starts at 06:00 on 10 June in Phnom Penh (01:00 in Berlin).
 */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let viewer: Actor;
let manager: Actor;
let stranger: Actor;
let farm: FarmRef;
let hens: FarmRef;
let elsewhere: FarmRef;
let site: string;
const ids = { water: '', check: '', repot: '', basil: '', feed: '', foreign: '' };

async function api(method: string, path: string, payload?: unknown, who: Actor = admin, at: FarmRef = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${at.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function ok(method: string, path: string, payload?: unknown, who: Actor = admin, at: FarmRef = farm) {
  const res = await api(method, path, payload, who, at);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

/** A refusal in the one error shape, with its status and code. */
async function refused(res: Promise<{ status: number; body: Json }>, status: number, code: string) {
  const { status: got, body } = await res;
  expect([got, body.error_code], JSON.stringify(body)).toEqual([status, code]);
  return body;
}

const titles = (rows: Json[]) => rows.map((r) => r.title as string);

beforeAll(async () => {
  t = await createTestApp({ now: '2026-06-09T23:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  worker = await member(t.app, admin, farm, 'worker');
  viewer = await member(t.app, admin, farm, 'viewer');
  manager = await member(t.app, admin, farm, 'manager');
  stranger = await member(t.app, admin, farm, 'worker', 'stranger');
  hens = await createFarm(t.app, admin, 'Hen House');
  elsewhere = await createFarm(t.app, stranger, 'Elsewhere');
  site = (await createLocation(t.app, admin, farm, { name: 'Home', type: 'site' })).id;
});

afterAll(() => t.close());

describe('tasks', () => {
  it('are added by hand, each reference checked; a client-made id answers a resend with the same task', async () => {
    const water = {
      id: '3b0c8d1e-5f2a-4c6b-9e7d-1a2b3c4d5e6f',
      title: 'Water the seedlings',
      kind: 'water',
      due_at: '2026-06-10T05:00:00Z', // 12:00 local today
      assignee_id: worker.userId,
      location_id: site,
    };
    const first = await api('POST', '/tasks', water);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      id: water.id,
      title: 'Water the seedlings',
      kind: 'water',
      status: 'open',
      source: 'manual',
      assignee_id: worker.userId,
      location_id: site,
      done_at: null,
      created_by: admin.userId,
    });
    ids.water = water.id;
    const again = await api('POST', '/tasks', water);
    expect([again.status, again.body.id]).toEqual([200, water.id]);
    await refused(api('POST', '/tasks', { ...water, title: 'Water the cuttings' }), 409, 'IDEMPOTENCY_CONFLICT');

    ids.check = (await ok('POST', '/tasks', { title: 'Check the greenhouse', due_at: '2026-06-11T02:00:00Z' })).id;
    ids.repot = (
      await ok('POST', '/tasks', {
        title: 'Repot the figs',
        kind: 'repot',
        due_at: '2026-06-09T02:00:00Z', // yesterday: overdue
        assignee_id: admin.userId,
      })
    ).id;
    ids.basil = (
      await ok('POST', '/tasks', { title: 'Harvest basil', kind: 'harvest', due_at: '2026-06-10T10:00:00Z' })
    ).id;
    ids.feed = (await ok('POST', '/tasks', { title: 'Feed the hens', due_at: '2026-06-10T08:00:00Z' }, admin, hens)).id;
    ids.foreign = (
      await ok('POST', '/tasks', { title: 'Mend the fence', due_at: '2026-06-10T08:00:00Z' }, stranger, elsewhere)
    ).id;

    // Bad input, each named; another farm's rows and people are not found.
    const noTitle = await refused(api('POST', '/tasks', { due_at: '2026-06-10T05:00:00Z' }), 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(noTitle.details)).toContain('title');
    await refused(api('POST', '/tasks', { title: 'x', due_at: 'tomorrow' }), 400, 'VALIDATION_FAILED');
    await refused(api('POST', '/tasks', { title: 'x', due_at: water.due_at, kind: 'dance' }), 400, 'VALIDATION_FAILED');
    const elsewhereSite = (await createLocation(t.app, stranger, elsewhere, { name: 'Yard', type: 'site' })).id;
    const foreignPlace = await refused(
      api('POST', '/tasks', { title: 'x', due_at: water.due_at, location_id: elsewhereSite }),
      404,
      'NOT_FOUND',
    );
    expect(foreignPlace.details).toMatchObject({ field: 'body.location_id' });
    await refused(
      api('POST', '/tasks', { title: 'x', due_at: water.due_at, hive_id: elsewhereSite }),
      404,
      'NOT_FOUND',
    );
    const outsider = await refused(
      api('POST', '/tasks', { title: 'x', due_at: water.due_at, assignee_id: admin.userId }, stranger, elsewhere),
      404,
      'NOT_FOUND',
    );
    expect(outsider.details).toMatchObject({ field: 'body.assignee_id' });
    const toViewer = await refused(
      api('POST', '/tasks', { title: 'x', due_at: water.due_at, assignee_id: viewer.userId }),
      400,
      'VALIDATION_FAILED',
    );
    expect(toViewer.details.fields).toEqual([{ field: 'body.assignee_id', message: 'is a viewer' }]);
    // Nothing of the refused ones was made.
    expect((await ok('GET', '/tasks')).data).toHaveLength(4);
  });

  it('list by due time, filtered by due before, assignee and status; PATCH changes one', async () => {
    expect(titles((await ok('GET', '/tasks')).data)).toEqual([
      'Repot the figs',
      'Water the seedlings',
      'Harvest basil',
      'Check the greenhouse',
    ]);
    expect(titles((await ok('GET', '/tasks?due_before=2026-06-10T06:00:00Z')).data)).toEqual([
      'Repot the figs',
      'Water the seedlings',
    ]);
    expect(titles((await ok('GET', `/tasks?assignee=${worker.userId}`)).data)).toEqual(['Water the seedlings']);
    expect(titles((await ok('GET', '/tasks?assignee=me')).data)).toEqual(['Repot the figs']);
    expect(titles((await ok('GET', '/tasks?assignee=none&status=open')).data)).toEqual([
      'Harvest basil',
      'Check the greenhouse',
    ]);
    expect((await ok('GET', '/tasks?status=done')).data).toEqual([]);
    const page = await ok('GET', '/tasks?limit=3');
    expect(page.data).toHaveLength(3);
    expect(titles((await ok('GET', `/tasks?limit=3&cursor=${page.next_cursor}`)).data)).toEqual([
      'Check the greenhouse',
    ]);
    await refused(api('GET', '/tasks?status=finished'), 400, 'VALIDATION_FAILED');
    await refused(api('GET', '/tasks?cursor=nonsense'), 400, 'VALIDATION_FAILED');

    const changed = await ok('PATCH', `/tasks/${ids.check}`, { notes: 'Vents and the misting line' }, worker);
    expect(changed).toMatchObject({ title: 'Check the greenhouse', notes: 'Vents and the misting line' });
    await refused(api('PATCH', `/tasks/${ids.check}`, {}), 400, 'VALIDATION_FAILED');
    expect((await ok('GET', `/tasks/${ids.check}`, undefined, viewer)).notes).toBe('Vents and the misting line');
  });

  it("are each person's “today” across their farms, in each farm's local day; not a farm they are not in", async () => {
    const today = async (who: Actor) => {
      const body = await ok('GET', '/api/v1/tasks/today', undefined, who);
      return Object.fromEntries(body.data.map((f: Json) => [f.farm.name, [f.day, titles(f.tasks)]]));
    };
    // The admin: their own and the unassigned ones due before the day ends (overdue included), in both farms.
    expect(await today(admin)).toEqual({
      'Hen House': ['2026-06-10', ['Feed the hens']],
      'Sunny Acres': ['2026-06-10', ['Repot the figs', 'Harvest basil']],
    });
    expect(await today(worker)).toEqual({ 'Sunny Acres': ['2026-06-10', ['Water the seedlings', 'Harvest basil']] });
    // A viewer is given no tasks and is not asked to do the unassigned ones.
    expect(await today(viewer)).toEqual({ 'Sunny Acres': ['2026-06-10', []] });
    expect(await today(stranger)).toEqual({
      Elsewhere: ['2026-06-10', ['Mend the fence']],
      'Sunny Acres': ['2026-06-10', ['Harvest basil']],
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/tasks/today' })).statusCode).toBe(401);
  });

  it('are sent as one morning digest a person and day (alert type task_due), and announced live', async () => {
    const live: BusMessage[] = [];
    await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void live.push(m));
    // The manager takes only device alerts: the digest passes them by.
    await ok(
      'POST',
      '/api/v1/notification-subscriptions',
      { channel: 'in_app', alert_type: 'device_offline' },
      manager,
    );
    await ok('POST', '/api/v1/notification-subscriptions', { channel: 'in_app', alert_type: 'task_due' }, worker);

    // 06:00 in Phnom Penh: before the digest hour.
    await t.deps.services.tasks.sendDigests();
    const digests = (userId: string) =>
      t.deps.db.system((tx) =>
        tx
          .selectFrom('notifications')
          .select(['title', 'message', 'data', 'farm_id'])
          .where('user_id', '=', userId)
          .where('title', 'like', '%today%')
          .orderBy('created_at')
          .execute(),
      );
    expect(await digests(worker.userId)).toEqual([]);

    t.clock.set('2026-06-10T00:30:00Z'); // 07:30 in Phnom Penh, 02:30 in Berlin
    await t.deps.services.tasks.sendDigests();
    await t.deps.services.tasks.sendDigests(); // once a day, however often it runs
    const workers = await digests(worker.userId);
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({
      farm_id: farm.id,
      title: 'Sunny Acres: 2 tasks today',
      message: '- Water the seedlings (12:00)\n- Harvest basil (17:00)',
      data: { type: 'task_due', alert_type: 'task_due', day: '2026-06-10', task_ids: [ids.water, ids.basil] },
    });
    const admins = await digests(admin.userId);
    expect(admins.map((n) => [n.title, n.message])).toEqual([
      [
        'Sunny Acres: 2 tasks today (1 overdue)',
        '- Repot the figs (overdue since 2026-06-09)\n- Harvest basil (17:00)',
      ],
    ]);
    expect(await digests(viewer.userId)).toEqual([]); // a viewer does no tasks
    expect(await digests(manager.userId)).toEqual([]); // their subscription does not take task_due
    const due = live.filter((m) => m.type === 'task' && m.change === 'due');
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ day: '2026-06-10' });
    expect((due[0]!.tasks as Json[]).map((x) => x.id)).toEqual([ids.repot, ids.water, ids.basil]);

    // Berlin's morning comes later: the admin's second farm, its own digest.
    t.clock.set('2026-06-10T05:10:00Z');
    await t.deps.services.tasks.sendDigests();
    expect((await digests(admin.userId)).map((n) => n.title)).toEqual([
      'Sunny Acres: 2 tasks today (1 overdue)',
      'Hen House: 1 task today',
    ]);
    expect(await digests(worker.userId)).toHaveLength(1);
  });

  it('are completed once: a resend is 200 with the same task, another completion 409 TASK_DONE', async () => {
    const completion = { id: '9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d', note: 'Both benches' };
    await refused(api('POST', `/tasks/${ids.water}/complete`, completion, viewer), 403, 'FORBIDDEN');
    const done = await ok('POST', `/tasks/${ids.water}/complete`, completion, worker);
    expect(done).toMatchObject({
      status: 'done',
      done_at: '2026-06-10T05:10:00.000Z',
      closed_by: worker.userId,
      completion_id: completion.id,
      close_note: 'Both benches',
    });
    // The answer was lost; the phone sends again, later: the same task as it is, nothing new.
    t.clock.set('2026-06-10T05:20:00Z');
    const resent = await api('POST', `/tasks/${ids.water}/complete`, completion, admin);
    expect([resent.status, resent.body]).toEqual([200, done]);
    await refused(
      api('POST', `/tasks/${ids.water}/complete`, { ...completion, note: 'One bench' }, worker),
      409,
      'IDEMPOTENCY_CONFLICT',
    );
    const twice = await refused(
      api('POST', `/tasks/${ids.water}/complete`, { id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }, worker),
      409,
      'TASK_DONE',
    );
    expect(twice.details).toMatchObject({ id: ids.water, status: 'done' });
    // The same completion id on another task is another request.
    await refused(api('POST', `/tasks/${ids.basil}/complete`, completion, worker), 409, 'IDEMPOTENCY_CONFLICT');
    await refused(
      api('POST', `/tasks/${ids.basil}/complete`, {
        id: completion.id.replace('9d', '8d'),
        done_at: '2026-06-11T00:00:00Z',
      }),
      400,
      'VALIDATION_FAILED',
    );
    await refused(
      api('POST', `/tasks/${ids.basil}/complete`, { done_at: '2026-06-10T00:00:00Z' }),
      400,
      'VALIDATION_FAILED',
    );
    expect((await ok('GET', `/tasks?status=done`)).data.map((r: Json) => r.id)).toEqual([ids.water]);
    // Each change is in the audit log once.
    const audit = await ok('GET', '/audit?category=tasks&limit=100');
    expect(audit.data.filter((e: Json) => e.event_type === 'task.completed')).toHaveLength(1);
  });

  it('are skipped and reopened (a reopened task may be completed anew)', async () => {
    const skipped = await ok('POST', `/tasks/${ids.check}/skip`, { note: 'Rain all day' }, worker);
    expect(skipped).toMatchObject({
      status: 'skipped',
      skipped_at: '2026-06-10T05:20:00.000Z',
      close_note: 'Rain all day',
    });
    expect(await ok('POST', `/tasks/${ids.check}/skip`, {}, worker)).toEqual(skipped); // already skipped
    await refused(
      api('POST', `/tasks/${ids.check}/complete`, { id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e' }, worker),
      409,
      'TASK_SKIPPED',
    );
    await refused(api('POST', `/tasks/${ids.water}/skip`, {}, worker), 409, 'TASK_DONE');
    await refused(api('POST', `/tasks/${ids.water}/reopen`, undefined, viewer), 403, 'FORBIDDEN');

    const reopened = await ok('POST', `/tasks/${ids.water}/reopen`, undefined, worker);
    expect(reopened).toMatchObject({ status: 'open', done_at: null, completion_id: null, close_note: null });
    expect(await ok('POST', `/tasks/${ids.water}/reopen`, undefined, worker)).toEqual(reopened);
    const anew = await ok(
      'POST',
      `/tasks/${ids.water}/complete`,
      { id: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f' },
      worker,
    );
    expect(anew).toMatchObject({ status: 'done', completion_id: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f' });
    expect((await ok('POST', `/tasks/${ids.check}/reopen`, undefined, worker)).status).toBe('open');
  });

  it('are snoozed by whole days (at least 1) or until a later time', async () => {
    for (const body of [{ days: 0 }, { days: 1.5 }, { days: -1 }, { days: '2' }, {}, { days: 1, until: '2026-07-01' }])
      await refused(api('POST', `/tasks/${ids.repot}/snooze`, body, worker), 400, 'VALIDATION_FAILED');
    const past = await refused(
      api('POST', `/tasks/${ids.repot}/snooze`, { until: '2026-06-10T05:00:00Z' }, worker),
      400,
      'VALIDATION_FAILED',
    );
    expect(past.details.fields).toEqual([{ field: 'body.until', message: 'must be in the future' }]);
    await refused(api('POST', `/tasks/${ids.repot}/snooze`, { until: 'soon' }, worker), 400, 'VALIDATION_FAILED');
    // Overdue: two days from now.
    expect((await ok('POST', `/tasks/${ids.repot}/snooze`, { days: 2 }, worker)).due_at).toBe(
      '2026-06-12T05:20:00.000Z',
    );
    // Not yet due: moved by its own due time.
    expect((await ok('POST', `/tasks/${ids.repot}/snooze`, { days: 1 }, worker)).due_at).toBe(
      '2026-06-13T05:20:00.000Z',
    );
    // A local day means its start in the farm's zone.
    expect((await ok('POST', `/tasks/${ids.repot}/snooze`, { until: '2026-06-20' }, worker)).due_at).toBe(
      '2026-06-19T17:00:00.000Z',
    );
    await refused(api('POST', `/tasks/${ids.water}/snooze`, { days: 1 }, worker), 409, 'TASK_DONE');
    await refused(api('POST', `/tasks/${ids.repot}/snooze`, { days: 1 }, viewer), 403, 'FORBIDDEN');
  });

  it("are the farm's own: another farm's task is not found", async () => {
    await refused(api('GET', `/tasks/${ids.foreign}`), 404, 'NOT_FOUND');
    await refused(api('PATCH', `/tasks/${ids.foreign}`, { title: 'Mine now' }), 404, 'NOT_FOUND');
    await refused(
      api('POST', `/tasks/${ids.foreign}/complete`, { id: 'd3e4f5a6-b7c8-4d9e-8f0a-1b2c3d4e5f6a' }),
      404,
      'NOT_FOUND',
    );
    await refused(api('POST', `/tasks/${ids.foreign}/snooze`, { days: 1 }), 404, 'NOT_FOUND');
    // Asking in a farm the admin is not a member of.
    expect((await api('GET', '/tasks', undefined, admin, elsewhere)).status).toBe(404);
    expect((await ok('GET', `/tasks/${ids.foreign}`, undefined, stranger, elsewhere)).title).toBe('Mend the fence');
    await refused(api('GET', '/tasks/not-a-uuid'), 400, 'VALIDATION_FAILED');
  });

  it('are made by other modules through the door: once per key, retired by key, read back', async () => {
    const task = {
      title: 'Inspect the top bar hive',
      kind: 'inspect_hive' as const,
      dueAt: new Date('2026-06-12T00:00:00Z'),
      source: 'test',
      key: 'top-bar:2026-06-12',
    };
    const now = t.clock.now();
    const first = await t.deps.db.farm(farm.id, (tx) => taskWrites.ensure(tx, farm.id, task, now));
    const second = await t.deps.db.farm(farm.id, (tx) => taskWrites.ensure(tx, farm.id, task, now));
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    const open = await t.deps.db.farm(farm.id, (tx) =>
      taskReads.open(tx, farm.id, { until: new Date('2026-06-13T00:00:00Z'), limit: 10 }),
    );
    expect(open.map((o) => o.title)).toContain('Inspect the top bar hive');
    expect(
      await t.deps.db.farm(farm.id, (tx) => taskWrites.retire(tx, farm.id, 'test', [task.key, 'other'], now)),
    ).toBe(1);
    expect((await ok('GET', `/tasks/${first.id}`)).status).toBe('skipped');
    expect(await t.deps.db.farm(farm.id, (tx) => taskWrites.retire(tx, farm.id, 'test', [task.key], now))).toBe(0);
    const done = await t.deps.db.farm(farm.id, (tx) => taskReads.latestCompletions(tx, farm.id, ['water']));
    expect(done.size).toBe(0);
  });

  it('are made many at once by a job: keys already there and repeated keys make one task each, each audited', async () => {
    const now = t.clock.now();
    const task = (key: string) => ({
      title: `Batch ${key}`,
      kind: 'general' as const,
      dueAt: new Date('2026-06-12T00:00:00Z'),
      source: 'ignored: ensureMany names the source',
      key,
    });
    await t.deps.db.farm(farm.id, (tx) => taskWrites.ensure(tx, farm.id, { ...task('b-1'), source: 'batch' }, now));
    const keys = Array.from({ length: 1203 }, (_, i) => `b-${i}`);
    const made = await t.deps.db.farm(farm.id, (tx) =>
      taskWrites.ensureMany(tx, farm.id, 'batch', [...keys, 'b-7', 'b-1'].map(task), now),
    );
    expect(made).toBe(1202);
    const again = await t.deps.db.farm(farm.id, (tx) =>
      taskWrites.ensureMany(tx, farm.id, 'batch', keys.map(task), now),
    );
    expect(again).toBe(0);
    const openKeys = await t.deps.db.farm(farm.id, (tx) =>
      taskReads.openKeys(tx, farm.id, { source: 'batch', prefix: 'b-' }),
    );
    expect(new Set(openKeys).size).toBe(1203);
    const audited = await t.deps.db.farm(farm.id, (tx) =>
      tx
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('farm_id', '=', farm.id)
        .where('event_type', '=', 'task.created')
        .where('message', 'like', 'Task "Batch %')
        .executeTakeFirstOrThrow(),
    );
    expect(Number(audited.n)).toBe(1203);
  });
});
