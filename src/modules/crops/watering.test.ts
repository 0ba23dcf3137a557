import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createFarm,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';

/**
 * Watering schedules, the daily watering job, care suppression, watering logs, the volume suggestion
 * and the pump schedules they make, through the API. The farm is in Asia/Phnom_Penh (UTC+7): the
 * clock's 2026-06-01T03:00Z is Monday 10:00 there.
 */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;
let run: Json;
let plants: Json[];

const ZONE = 'Asia/Phnom_Penh';
const NOW = '2026-06-01T03:00:00Z';

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function startRun(name: string, prefix: string, on = farm, quantity = 3): Promise<{ run: Json; plants: Json[] }> {
  const made = await api(
    'POST',
    '/planting-runs',
    {
      name,
      type: 'monoculture',
      entries: [{ species: 'solanum-lycopersicum', quantity, id_prefix: prefix }],
    },
    admin,
    on,
  );
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const planted = await api('POST', `/planting-runs/${made.body.id}/plants`, { container_volume_l: 10 }, admin, on);
  expect(planted.status, JSON.stringify(planted.body)).toBe(201);
  return { run: planted.body.run, plants: planted.body.plants };
}

/** A run's watering tasks (the task list filters by source and status; the run is picked here). */
const tasksOf = async (runId: string, status?: string) => {
  const res = await api('GET', `/tasks?source=watering&limit=200${status ? `&status=${status}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.data as Json[]).filter((task) => task.run_id === runId);
};

const openTasks = async (runId: string) =>
  (await tasksOf(runId, 'open')).map((task) => ({
    title: task.title,
    due_at: task.due_at,
    kind: task.kind,
  }));

beforeAll(async () => {
  t = await createTestApp({ now: NOW, env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Elsewhere');
  ({ run, plants } = await startRun('Tomatoes', 'TOM'));
});

afterAll(() => t.close());

describe('watering schedules', () => {
  it('refuses what is not a schedule, each with 400 naming the field', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ mode: 'interval', interval_days: 0 }, 'interval_days'],
      [{ mode: 'interval', interval_days: 91 }, 'interval_days'],
      [{ mode: 'interval' }, 'interval_days'],
      [{ mode: 'weekdays', weekdays: [1, 7] }, 'weekdays'],
      [{ mode: 'weekdays', weekdays: [] }, 'weekdays'],
      [{ mode: 'weekdays', weekdays: [1, 1] }, 'weekdays'],
      [{ mode: 'weekdays' }, 'weekdays'],
      [{ mode: 'weekdays', weekdays: [1], interval_days: 3 }, 'interval_days'],
      [{ mode: 'weekdays', weekdays: [1], preferred_time: '25:00' }, 'preferred_time'],
      [{ mode: 'weekdays', weekdays: [1], times_per_day: 7 }, 'times_per_day'],
      [{ mode: 'weekdays', weekdays: [1], times_per_day: 0 }, 'times_per_day'],
      [{ mode: 'weekdays', weekdays: [1], reminder_hours_before: 49 }, 'reminder_hours_before'],
      [{ mode: 'weekdays', weekdays: [1], volume_per_plant_l: 0 }, 'volume_per_plant_l'],
      [{ mode: 'weekdays', weekdays: [1], channel: 'hose' }, 'channel'],
      [{ mode: 'interval', interval_days: 3, pump: { device: 'x', run_s: 60 } }, 'pump'],
      [{ mode: 'weekdays', weekdays: [1], pump: { device: 'x', run_s: 0 } }, 'run_s'],
      [{ mode: 'weekdays', weekdays: [1], pump: { device: 'no-such-device', run_s: 60 } }, 'device'],
      [{ mode: 'weekdays', weekdays: [1], schedule_id: randomUUID() }, 'schedule_id'],
    ];
    for (const [body, field] of bad) {
      const res = await api('POST', `/planting-runs/${run.id}/watering-schedules`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field);
    }
    expect((await api('GET', `/planting-runs/${run.id}/watering-schedules`)).body.data).toEqual([]);
  });

  it('answers 404 for another farm’s run and schedule', async () => {
    const theirs = await startRun('Their tomatoes', 'THT', other);
    const res = await api('POST', `/planting-runs/${theirs.run.id}/watering-schedules`, {
      mode: 'weekdays',
      weekdays: [1],
    });
    expect(res.status).toBe(404);
    expect((await api('GET', `/planting-runs/${theirs.run.id}/watering-schedules`)).status).toBe(404);
    const made = await api(
      'POST',
      `/planting-runs/${theirs.run.id}/watering-schedules`,
      { mode: 'weekdays', weekdays: [1] },
      admin,
      other,
    );
    expect(made.status).toBe(201);
    expect((await api('GET', `/watering-schedules/${made.body.id}`)).status).toBe(404);
    expect((await api('PATCH', `/watering-schedules/${made.body.id}`, { active: false })).status).toBe(404);
    expect((await api('DELETE', `/watering-schedules/${made.body.id}`)).status).toBe(404);
  });

  it('makes one per run and channel, a resend of its client-made id answering the first', async () => {
    const id = randomUUID();
    const body = {
      id,
      mode: 'weekdays',
      weekdays: [4, 1],
      preferred_time: '16:00',
      times_per_day: 2,
      volume_per_plant_l: 1.5,
    };
    const first = await api('POST', `/planting-runs/${run.id}/watering-schedules`, body, worker);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      id,
      run_id: run.id,
      channel: 'drench',
      mode: 'weekdays',
      weekdays: [1, 4],
      interval_days: null,
      preferred_time: '16:00',
      times_per_day: 2,
      watering_times: ['16:00', '22:00'],
      reminder_hours_before: 0,
      volume_per_plant_l: 1.5,
      feed: false,
      active: true,
      starts_on: '2026-06-01',
      pump: null,
      schedule: null,
    });
    const again = await api('POST', `/planting-runs/${run.id}/watering-schedules`, body, worker);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await api('POST', `/planting-runs/${run.id}/watering-schedules`, { ...body, weekdays: [2] });
    expect(changed.status).toBe(409);
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    const twin = await api('POST', `/planting-runs/${run.id}/watering-schedules`, {
      mode: 'interval',
      interval_days: 2,
    });
    expect(twin.status).toBe(409);
    expect(twin.body.error_code).toBe('WATERING_SCHEDULE_EXISTS');
    const { rows } = await t.database.db.raw.executeSql(
      'select count(*)::int as n from watering_schedules where farm_id = $1 and run_id = $2',
      [farm.id, run.id],
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });
});

describe('the daily watering job', () => {
  it('makes one task per run, channel and day, due at the preferred time; a second run adds nothing', async () => {
    const watering = t.deps.services.watering;
    const first = await watering.runDailyWatering();
    expect(first.tasks).toBeGreaterThanOrEqual(1);
    // Monday: due at 16:00 Phnom Penh time (09:00 UTC).
    expect(await openTasks(run.id as string)).toEqual([
      { title: 'Water: Tomatoes (drench)', due_at: '2026-06-01T09:00:00.000Z', kind: 'water' },
    ]);
    const tasks = await tasksOf(run.id as string);
    expect(tasks[0]!.notes).toContain('2 times: at 16:00, 22:00 (farm time); 1.5 L per plant each time');
    expect(await watering.runDailyWatering()).toEqual({ farms: first.farms, tasks: 0 });
    expect(await openTasks(run.id as string)).toHaveLength(1);
    // Tuesday and Wednesday are not watering days; Thursday is.
    try {
      t.clock.set('2026-06-02T01:00:00Z');
      await watering.runDailyWatering();
      expect(await openTasks(run.id as string)).toHaveLength(1);
      t.clock.set('2026-06-04T00:00:00Z');
      await watering.runDailyWatering();
      // Read from the table: the sign-in of the test has expired by Thursday.
      const { rows } = await t.database.db.raw.executeSql(
        `select key from tasks where farm_id = $1 and run_id = $2 and source = 'watering' and status = 'open' order by due_at`,
        [farm.id, run.id],
      );
      expect(rows.map((r) => (r as { key: string }).key)).toEqual([
        `watering:${run.id}:drench:2026-06-01`,
        `watering:${run.id}:drench:2026-06-04`,
      ]);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('makes none for a run that is finished or cancelled, nor for an inactive schedule', async () => {
    const done = await startRun('Done beans', 'DBN');
    const cancelled = await startRun('Cancelled beans', 'CBN');
    const quiet = await startRun('Quiet beans', 'QBN');
    for (const r of [done, cancelled, quiet])
      expect(
        (await api('POST', `/planting-runs/${r.run.id}/watering-schedules`, { mode: 'interval', interval_days: 1 }))
          .status,
      ).toBe(201);
    expect((await api('POST', `/planting-runs/${done.run.id}/status`, { to: 'completed' })).status).toBe(200);
    expect((await api('POST', `/planting-runs/${cancelled.run.id}/status`, { to: 'cancelled' })).status).toBe(200);
    const schedule = (await api('GET', `/planting-runs/${quiet.run.id}/watering-schedules`)).body.data[0];
    expect((await api('PATCH', `/watering-schedules/${schedule.id}`, { active: false })).body.active).toBe(false);
    await t.deps.services.watering.runDailyWatering();
    for (const r of [done, cancelled, quiet]) expect(await openTasks(r.run.id as string)).toEqual([]);
  });

  it('waters an every-N-days schedule when never watered, then N days after the last watering logged', async () => {
    const herbs = await startRun('Basil', 'BAS');
    const made = await api('POST', `/planting-runs/${herbs.run.id}/watering-schedules`, {
      mode: 'interval',
      interval_days: 2,
      channel: 'foliar',
      feed: true,
      reminder_hours_before: 24,
      preferred_time: '07:00',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const watering = t.deps.services.watering;
    try {
      await watering.runDailyWatering();
      expect(await openTasks(herbs.run.id as string)).toEqual([
        // Never watered: due on its first day (07:00 local is 00:00 UTC).
        { title: 'Feed: Basil (foliar spray)', due_at: '2026-06-01T00:00:00.000Z', kind: 'water' },
      ]);
      const logged = await api('POST', '/watering-logs', { run_id: herbs.run.id, channel: 'foliar', volume_l: 2 });
      expect(logged.status, JSON.stringify(logged.body)).toBe(201);
      // The log of the day completed the day's task.
      expect(await openTasks(herbs.run.id as string)).toEqual([]);
      // Tuesday 06:59: Wednesday's task appears 24 h before 07:00, so not yet; at 07:00 it does.
      t.clock.set('2026-06-01T23:59:00Z');
      await watering.runDailyWatering();
      expect(await openTasks(herbs.run.id as string)).toEqual([]);
      t.clock.set('2026-06-02T00:00:00Z');
      await watering.runDailyWatering();
      expect((await openTasks(herbs.run.id as string)).map((x) => x.due_at)).toEqual(['2026-06-03T00:00:00.000Z']);
    } finally {
      t.clock.set(NOW);
    }
  });
});

describe('every N days, ticked off in the task list', () => {
  it('moves on from a task done in the list (no log written), day after day', async () => {
    const cress = await startRun('Cress', 'CRS');
    const made = await api('POST', `/planting-runs/${cress.run.id}/watering-schedules`, {
      mode: 'interval',
      interval_days: 1,
      channel: 'drench',
      preferred_time: '07:00',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const watering = t.deps.services.watering;
    const tickToday = async () => {
      await watering.runDailyWatering();
      const open = (await tasksOf(cress.run.id as string, 'open')) as Json[];
      expect(open).toHaveLength(1);
      const done = await api('POST', `/tasks/${open[0]!.id}/complete`, { id: randomUUID() });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      return open[0]!.key as string;
    };
    try {
      const keys = [await tickToday()];
      t.clock.set('2026-06-02T03:00:00Z');
      admin = await login(t.app, admin.email); // the clock moved a day: a token of today
      keys.push(await tickToday());
      t.clock.set('2026-06-03T03:00:00Z');
      admin = await login(t.app, admin.email);
      keys.push(await tickToday());
      expect(keys.map((k) => k.slice(-10))).toEqual(['2026-06-01', '2026-06-02', '2026-06-03']);
    } finally {
      t.clock.set(NOW);
      admin = await login(t.app, admin.email);
    }
  });
});

describe('care while a watering schedule is active', () => {
  it('makes no watering or fertilising reminders for the run’s plants; other plants and reminders stay', async () => {
    const peppers = await startRun('Peppers', 'PEP', farm, 1);
    const plant = peppers.plants[0]!.label as string;
    expect((await api('PATCH', `/plants/${plant}/care`, { adaptive: true })).status).toBe(200);
    const care = t.deps.services.care;
    const kindsFor = async (plantId: string) =>
      (await care.remindersDue(farm.id, ZONE, new Date(NOW))).filter((r) => r.plantId === plantId).map((r) => r.kind);
    const viewKinds = async () =>
      ((await api('GET', `/plants/${plant}/care`)).body.reminders as Json[]).map((r) => r.kind);
    // The run follows a nutrient plan, so in June its plants get fertilising reminders too.
    const plan = await api('POST', '/nutrient-plans', {
      name: 'Peppers, simple',
      substrate: 'soil',
      entries: [{ phase: 'seedling', week_start: 1, week_end: 4, channels: [{ channel: 'drench' }] }],
    });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    expect((await api('PATCH', `/planting-runs/${peppers.run.id}`, { nutrient_plan: plan.body.id })).status).toBe(200);
    expect(await kindsFor(peppers.plants[0]!.id as string)).toContain('water');
    expect(await viewKinds()).toEqual(expect.arrayContaining(['water', 'fertilize']));

    const made = await api('POST', `/planting-runs/${peppers.run.id}/watering-schedules`, {
      mode: 'weekdays',
      weekdays: [0, 3],
    });
    expect(made.status).toBe(201);
    // Watering and feeding are the schedule's now (crops.md: a watering plan suppresses both).
    expect(await kindsFor(peppers.plants[0]!.id as string)).not.toContain('water');
    expect(await viewKinds()).not.toContain('water');
    expect(await viewKinds()).not.toContain('fertilize');
    expect(await viewKinds()).toContain('pest_check');

    // Paused: care's watering reminders come back.
    expect((await api('PATCH', `/watering-schedules/${made.body.id}`, { active: false })).status).toBe(200);
    expect(await kindsFor(peppers.plants[0]!.id as string)).toContain('water');
  });
});

describe('watering logs', () => {
  it('confirms a watering task as a feeding, completing the task and storing a resend once', async () => {
    await t.deps.services.watering.runDailyWatering();
    const [task] = await tasksOf(run.id as string, 'open');
    expect(task).toBeDefined();
    const fertilizer = ((await api('GET', '/fertilizers?q=calmag')).body.data as Json[])[0]!.id as string;
    const body = {
      id: randomUUID(),
      run_id: run.id,
      task_id: task!.id,
      at: '2026-06-01T02:30:00Z',
      volume_l: 4.5,
      ec: 1.4,
      ph: 6.1,
      water_temp_c: 21,
      mix: [{ fertilizer_id: fertilizer, dose_per_l: 2 }],
      note: 'morning round',
    };
    const first = await api('POST', '/watering-logs', body, worker);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      id: body.id,
      run_id: run.id,
      task_id: task!.id,
      kind: 'feeding',
      channel: 'drench',
      at: '2026-06-01T02:30:00.000Z',
      day: '2026-06-01',
      volume_l: 4.5,
      ec: 1.4,
      ph: 6.1,
      water_temp_c: 21,
      mix: [{ fertilizer_id: fertilizer, dose_per_l: 2 }],
      note: 'morning round',
    });
    const doneTask = (await api('GET', `/tasks/${task!.id}`)).body;
    expect(doneTask.status).toBe('done');

    const again = await api('POST', '/watering-logs', body, worker);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const different = await api('POST', '/watering-logs', { ...body, volume_l: 5 }, worker);
    expect(different.status).toBe(409);
    const { rows } = await t.database.db.raw.executeSql(
      'select count(*)::int as n from watering_logs where farm_id = $1 and id = $2',
      [farm.id, body.id],
    );
    expect(Number(rows[0]!.n)).toBe(1);

    const plain = await api('POST', '/watering-logs', { run_id: run.id, volume_l: 3 });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({
      kind: 'watering',
      channel: 'drench',
      mix: [],
      ec: null,
      at: NOW.replace('Z', '.000Z'),
    });
  });

  it('refuses bad logs: 400 for bad values and a task of another run, 404 for what the farm does not have', async () => {
    const beans = await startRun('Beans', 'BEA');
    expect(
      (await api('POST', `/planting-runs/${beans.run.id}/watering-schedules`, { mode: 'interval', interval_days: 1 }))
        .status,
    ).toBe(201);
    await t.deps.services.watering.runDailyWatering();
    const [beanTask] = await tasksOf(beans.run.id as string);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ run_id: run.id, volume_l: 0 }, 'volume_l'],
      [{ run_id: run.id, volume_l: -1 }, 'volume_l'],
      [{ run_id: run.id }, 'volume_l'],
      [{ run_id: run.id, volume_l: 1, ph: 14.5 }, 'ph'],
      [{ run_id: run.id, volume_l: 1, ph: -0.1 }, 'ph'],
      [{ run_id: run.id, volume_l: 1, ec: -1 }, 'ec'],
      [{ run_id: run.id, volume_l: 1, mix: [{ fertilizer_id: 'calmag', dose_per_l: 1 }] }, 'fertilizer_id'],
      [{ run_id: run.id, volume_l: 1, mix: [{ fertilizer_id: randomUUID(), dose_per_l: 0 }] }, 'dose_per_l'],
      [{ run_id: run.id, volume_l: 1, at: '2026-06-02T03:00:00Z' }, 'at'],
      [{ run_id: run.id, volume_l: 1, task_id: beanTask!.id }, 'task_id'],
      [{ run_id: beans.run.id, volume_l: 1, task_id: beanTask!.id, channel: 'foliar' }, 'channel'],
    ];
    for (const [body, field] of bad) {
      const res = await api('POST', '/watering-logs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field);
    }
    const manual = await api('POST', '/tasks', { title: 'Sweep', due_at: NOW });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);
    const notWatering = await api('POST', '/watering-logs', { run_id: run.id, volume_l: 1, task_id: manual.body.id });
    expect(notWatering.status).toBe(400);
    expect((await api('POST', '/watering-logs', { run_id: run.id, volume_l: 1, task_id: randomUUID() })).status).toBe(
      404,
    );
    // What was mixed must be fertilizers the farm can use: an unknown one, or another farm's own, is 404.
    const theirFertilizer = await api(
      'POST',
      '/fertilizers',
      { product: 'Their secret feed', type: 'base', form: 'liquid', max_dose_per_l: 5 },
      admin,
      other,
    );
    expect(theirFertilizer.status, JSON.stringify(theirFertilizer.body)).toBe(201);
    for (const id of [randomUUID(), theirFertilizer.body.id as string]) {
      const mixed = await api('POST', '/watering-logs', {
        run_id: run.id,
        volume_l: 1,
        mix: [{ fertilizer_id: id, dose_per_l: 1 }],
      });
      expect(mixed.status, JSON.stringify(mixed.body)).toBe(404);
    }
    const theirs = await startRun('Their beans', 'TBE', other);
    expect((await api('POST', '/watering-logs', { run_id: theirs.run.id, volume_l: 1 })).status).toBe(404);
    expect((await api('GET', `/planting-runs/${theirs.run.id}/watering-logs`)).status).toBe(404);
  });

  it('lists a run’s logs newest first, a page at a time', async () => {
    const onions = await startRun('Onions', 'ONI');
    for (const hour of [1, 2, 3])
      expect(
        (
          await api('POST', '/watering-logs', {
            run_id: onions.run.id,
            volume_l: hour,
            at: `2026-05-2${hour}T0${hour}:00:00Z`,
          })
        ).status,
      ).toBe(201);
    const first = await api('GET', `/planting-runs/${onions.run.id}/watering-logs?limit=2`);
    expect(first.status).toBe(200);
    expect((first.body.data as Json[]).map((l) => l.volume_l)).toEqual([3, 2]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api(
      'GET',
      `/planting-runs/${onions.run.id}/watering-logs?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect((second.body.data as Json[]).map((l) => l.volume_l)).toEqual([1]);
    expect(second.body.next_cursor).toBeNull();
    expect((await api('GET', `/planting-runs/${onions.run.id}/watering-logs?cursor=nonsense`)).status).toBe(400);
  });
});

describe('the volume suggestion', () => {
  it('gives the phase’s share of the container per plant, times the plants standing', async () => {
    const res = await api('GET', `/planting-runs/${run.id}/watering-suggestion`, undefined, worker);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const phase = res.body.phase as string;
    expect(phase).toEqual(expect.any(String));
    const share = res.body.share as number;
    expect(res.body).toMatchObject({
      run_id: run.id,
      plants: 3,
      container_l: 10,
      basis: 'container',
      per_plant_l: Math.round(10 * share * 100) / 100,
      total_l: Math.round(30 * share * 100) / 100,
    });
    expect(share).toBeGreaterThanOrEqual(0.05);
    expect(share).toBeLessThanOrEqual(0.3);
    expect(res.body.rule).toContain(phase);
    expect(plants).toHaveLength(3);
  });
});

describe('pumps and valves', () => {
  it('makes a duration schedule for the pump that the preview shows on the watering days and times', async () => {
    await createDevice(t.app, admin, farm, {
      device_id: 'irrigation-1',
      type: 'relay',
      channels: [{ name: 'pump', kind: 'pump', safe_state: 'off' }],
    });
    const greens = await startRun('Greens', 'GRN');
    const made = await api('POST', `/planting-runs/${greens.run.id}/watering-schedules`, {
      mode: 'weekdays',
      weekdays: [1, 4],
      channel: 'fertigation',
      preferred_time: '06:00',
      times_per_day: 2,
      pump: { device: 'irrigation-1', channel: 'pump', run_s: 90 },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.pump).toEqual({ device: 'irrigation-1', channel: 'pump', run_s: 90 });
    expect(made.body.schedule).toEqual({ id: expect.any(String), owned: true });
    const scheduleId = made.body.schedule.id as string;

    const schedule = await api('GET', `/schedules/${scheduleId}`);
    expect(schedule.body).toMatchObject({
      kind: 'duration',
      action: 'on',
      device: 'irrigation-1',
      channel: 'pump',
      enabled: true,
      on_s: 90,
      off_s: 6 * 3600 - 90,
      repeat: 2,
      window: { start: '06:00', hours: 12, days: [1, 4] },
    });
    const preview = async () =>
      ((await api('GET', `/schedules/${scheduleId}/preview?days=7`)).body.firings as Json[]).map(
        (f) => `${f.at} ${f.action}`,
      );
    // From Monday 10:00 local for 7 days: Monday's second watering at 12:00, Thursday's two, next Monday's first
    // (06:00 and 12:00 local are 23:00 the day before and 05:00 UTC).
    expect(await preview()).toEqual([
      '2026-06-01T05:00:00.000Z on',
      '2026-06-01T05:01:30.000Z off',
      '2026-06-03T23:00:00.000Z on',
      '2026-06-03T23:01:30.000Z off',
      '2026-06-04T05:00:00.000Z on',
      '2026-06-04T05:01:30.000Z off',
      '2026-06-07T23:00:00.000Z on',
      '2026-06-07T23:01:30.000Z off',
    ]);

    // Changed with the watering schedule: Thursdays only, once, 2 minutes.
    const changed = await api('PATCH', `/watering-schedules/${made.body.id}`, {
      weekdays: [4],
      times_per_day: 1,
      pump: { device: 'irrigation-1', channel: 'pump', run_s: 120 },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.schedule).toEqual({ id: scheduleId, owned: true });
    expect(await preview()).toEqual(['2026-06-03T23:00:00.000Z on', '2026-06-03T23:02:00.000Z off']);
    // Paused: the pump schedule is disabled with it.
    await api('PATCH', `/watering-schedules/${made.body.id}`, { active: false });
    expect((await api('GET', `/schedules/${scheduleId}`)).body.enabled).toBe(false);
    // Back to watering by hand: the pump schedule it made is removed.
    const byHand = await api('PATCH', `/watering-schedules/${made.body.id}`, { pump: null });
    expect(byHand.body).toMatchObject({ pump: null, schedule: null });
    expect((await api('GET', `/schedules/${scheduleId}`)).status).toBe(404);

    // A pump again, then the watering schedule deleted: its pump schedule goes with it.
    const again = await api('PATCH', `/watering-schedules/${made.body.id}`, {
      active: true,
      pump: { device: 'irrigation-1', channel: 'pump', run_s: 60 },
    });
    const second = again.body.schedule.id as string;
    expect(second).not.toBe(scheduleId);
    expect((await api('DELETE', `/watering-schedules/${made.body.id}`)).status).toBe(204);
    expect((await api('GET', `/schedules/${second}`)).status).toBe(404);
  });

  it('links an existing schedule without changing or removing it', async () => {
    const own = await api('POST', '/schedules', {
      name: 'Drip line',
      device: 'irrigation-1',
      channel: 'pump',
      kind: 'duration',
      action: 'on',
      on_s: 300,
      off_s: 3600,
      window: { start: '05:00', hours: 2 },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const leeks = await startRun('Leeks', 'LEE');
    const made = await api('POST', `/planting-runs/${leeks.run.id}/watering-schedules`, {
      mode: 'weekdays',
      weekdays: [0, 1, 2, 3, 4, 5, 6],
      schedule_id: own.body.id,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.schedule).toEqual({ id: own.body.id, owned: false });
    const both = await api('PATCH', `/watering-schedules/${made.body.id}`, {
      pump: { device: 'irrigation-1', run_s: 30 },
    });
    expect(both.status).toBe(400);
    expect((await api('DELETE', `/watering-schedules/${made.body.id}`)).status).toBe(204);
    expect((await api('GET', `/schedules/${own.body.id}`)).body.name).toBe('Drip line');
  });

  it('stops when its run ends: the schedule made inactive, its pump schedule disabled; a deleted run takes its pump schedule along', async () => {
    const pumped = { mode: 'weekdays', weekdays: [1], pump: { device: 'irrigation-1', channel: 'pump', run_s: 45 } };
    const chard = await startRun('Chard', 'CHD');
    const made = await api('POST', `/planting-runs/${chard.run.id}/watering-schedules`, pumped);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const pumpSchedule = made.body.schedule.id as string;
    expect((await api('POST', `/planting-runs/${chard.run.id}/status`, { to: 'completed' })).status).toBe(200);
    expect((await api('GET', `/watering-schedules/${made.body.id}`)).body).toMatchObject({
      active: false,
      schedule: { id: pumpSchedule, owned: true },
    });
    expect((await api('GET', `/schedules/${pumpSchedule}`)).body.enabled).toBe(false);

    const planned = await api('POST', '/planting-runs', {
      name: 'Kale, planned',
      type: 'monoculture',
      entries: [{ species: 'solanum-lycopersicum', quantity: 2, id_prefix: 'KAL' }],
    });
    const early = await api('POST', `/planting-runs/${planned.body.id}/watering-schedules`, pumped);
    expect(early.status, JSON.stringify(early.body)).toBe(201);
    expect((await api('DELETE', `/planting-runs/${planned.body.id}`)).status).toBe(204);
    expect((await api('GET', `/schedules/${early.body.schedule.id}`)).status).toBe(404);
  });

  it('refuses a device that cannot switch, naming it', async () => {
    await createDevice(t.app, admin, farm, { device_id: 'soil-probe', type: 'sensor' });
    const res = await api('POST', `/planting-runs/${run.id}/watering-schedules`, {
      mode: 'weekdays',
      weekdays: [1],
      channel: 'top_dress',
      pump: { device: 'soil-probe', run_s: 30 },
    });
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await api('GET', `/planting-runs/${run.id}/watering-schedules`)).body.data).toHaveLength(1);
  });
});
