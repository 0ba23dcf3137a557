import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { nutrientReads } from './index.js';

/** Nutrient plans through the API, runs that follow them, and the fertilising reminders they allow. */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;
let calmag: string;
let boneMeal: string;
let grow: string;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, at = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${at.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const fieldsOf = (body: Json) => (body.details.fields as Array<{ field: string }>).map((f) => f.field);

interface Dose {
  fertilizer_id: string;
  dose_per_l: number;
}
interface PlanChannel {
  channel: string;
  target_ec?: number;
  target_ph?: number;
  dosages?: Dose[];
}
interface PlanEntry {
  phase: string;
  week_start: number;
  week_end: number;
  channels: PlanChannel[];
}

const tomatoPlan = (over: Record<string, unknown> = {}): { entries: PlanEntry[] } & Record<string, unknown> => ({
  name: 'Tomatoes in coco',
  substrate: 'coco',
  species: 'solanum-lycopersicum',
  entries: [
    {
      phase: 'seedling',
      week_start: 1,
      week_end: 2,
      channels: [
        {
          channel: 'fertigation',
          target_ec: 0.8,
          target_ph: 5.8,
          dosages: [{ fertilizer_id: calmag, dose_per_l: 0.5 }],
        },
      ],
    },
    {
      phase: 'vegetative',
      week_start: 3,
      week_end: 6,
      channels: [
        {
          channel: 'fertigation',
          target_ec: 1.6,
          target_ph: 5.8,
          dosages: [
            { fertilizer_id: calmag, dose_per_l: 1 },
            { fertilizer_id: grow, dose_per_l: 2 },
          ],
        },
        { channel: 'top_dress', dosages: [{ fertilizer_id: boneMeal, dose_per_l: 2 }] },
      ],
    },
    {
      phase: 'flowering',
      week_start: 7,
      week_end: 12,
      channels: [{ channel: 'fertigation', target_ec: 2.0, target_ph: 6.0 }],
    },
  ],
  ...over,
});

beforeAll(async () => {
  t = await createTestApp({ now: '2026-06-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Other Farm');
  const all = (await api('GET', '/fertilizers?origin=global&limit=200')).body.data as Json[];
  const id = (key: string) => all.find((f) => f.key === key)!.id as string;
  calmag = id('calmag-liquid');
  boneMeal = id('bone-meal');
  grow = id('base-grow-liquid');
});

afterAll(() => t.close());

describe('nutrient plans', () => {
  it('makes a plan once for a client-made id, with its entries, channels and dosages in order', async () => {
    const id = randomUUID();
    const made = await api('POST', '/nutrient-plans', { id, ...tomatoPlan() });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ id, substrate: 'coco', cloned_from_id: null });
    expect(made.body.species_id).toMatch(/^[0-9a-f-]{36}$/);
    const entries = made.body.entries as Json[];
    expect(entries.map((e) => [e.phase, e.week_start, e.week_end])).toEqual([
      ['seedling', 1, 2],
      ['vegetative', 3, 6],
      ['flowering', 7, 12],
    ]);
    expect(entries[1]!.channels).toMatchObject([
      {
        channel: 'fertigation',
        target_ec: 1.6,
        dosages: [
          { fertilizer_id: calmag, dose_per_l: 1, unit: 'ml/L' },
          { fertilizer_id: grow, dose_per_l: 2 },
        ],
      },
      { channel: 'top_dress', target_ec: null, dosages: [{ product: 'Bone Meal 3-15-0', unit: 'g/L' }] },
    ]);
    expect((await api('POST', '/nutrient-plans', { ...tomatoPlan(), id })).status).toBe(200);
    const changed = await api('POST', '/nutrient-plans', { ...tomatoPlan({ substrate: 'soil' }), id });
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await api('GET', `/nutrient-plans/${id}`, undefined, worker)).body.name).toBe('Tomatoes in coco');
    expect((await api('POST', '/nutrient-plans', tomatoPlan({ name: 'By a worker' }), worker)).status).toBe(403);
    expect((await api('POST', '/nutrient-plans', tomatoPlan({ name: ' tomatoes IN coco ' }))).status).toBe(409);
  });

  it.each([
    ['a week end before its start', { week_start: 5, week_end: 4 }, 'body.entries[0].week_end'],
    ['a week end above 52', { week_start: 50, week_end: 53 }, 'week_end'],
    ['a week start of 0', { week_start: 0, week_end: 2 }, 'week_start'],
  ])('refuses %s (400)', async (_what, weeks, field) => {
    const plan = tomatoPlan({ name: `Bad ${field}` });
    plan.entries = [{ ...plan.entries[0]!, ...weeks }];
    const res = await api('POST', '/nutrient-plans', plan);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field.replace('body.', ''));
  });

  it('refuses a not-tank-safe product in fertigation, an unknown fertilizer, a foreign phase and species', async () => {
    const unsafe = tomatoPlan({ name: 'Unsafe' });
    unsafe.entries[0]!.channels[0]!.dosages = [{ fertilizer_id: boneMeal, dose_per_l: 1 }];
    const res = await api('POST', '/nutrient-plans', unsafe);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['body.entries[0].channels[0].dosages[0].fertilizer_id']);
    expect(res.body.message).toContain('not tank-safe');

    const theirs = await api(
      'POST',
      '/fertilizers',
      { product: 'Their Tonic', type: 'base', form: 'liquid', max_dose_per_l: 3 },
      admin,
      other,
    );
    const foreign = tomatoPlan({ name: 'Foreign' });
    foreign.entries[0]!.channels[0]!.dosages = [{ fertilizer_id: theirs.body.id, dose_per_l: 1 }];
    const unseen = await api('POST', '/nutrient-plans', foreign);
    expect(unseen.status).toBe(400);
    expect(unseen.body.details.fields[0].message).toBe('no such fertilizer in this farm');

    const phase = tomatoPlan({ name: 'Odd phase' });
    phase.entries[0]!.phase = 'dormancy';
    expect(fieldsOf((await api('POST', '/nutrient-plans', phase)).body)).toEqual(['body.entries[0].phase']);
    expect(
      (await api('POST', '/nutrient-plans', tomatoPlan({ name: 'No species', species: 'no-such-plant' }))).status,
    ).toBe(400);
    const twice = tomatoPlan({ name: 'Twice' });
    twice.entries[0]!.channels.push({ channel: 'fertigation' } as never);
    expect(fieldsOf((await api('POST', '/nutrient-plans', twice)).body)).toEqual([
      'body.entries[0].channels[1].channel',
    ]);
  });

  it('validates weeks per channel, listing each gap, shared week and late start with its weeks', async () => {
    const good = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Validated' }));
    const report = await api('GET', `/nutrient-plans/${good.body.id}/validate`);
    expect(report.status).toBe(200);
    // Top dress only in weeks 3–6: it starts late; fertigation covers 1–12 without a gap.
    expect(report.body).toMatchObject({
      plan_id: good.body.id,
      valid: false,
      channels: [
        { channel: 'fertigation', problems: [] },
        { channel: 'top_dress', problems: [{ kind: 'late_start', weeks: [1, 2], entries: [1] }] },
      ],
    });

    const broken = tomatoPlan({ name: 'Broken', species: null });
    broken.entries = [
      { phase: 'seedling', week_start: 1, week_end: 3, channels: [{ channel: 'drench' }] },
      { phase: 'vegetative', week_start: 3, week_end: 6, channels: [{ channel: 'drench' }] },
      { phase: 'flowering', week_start: 9, week_end: 10, channels: [{ channel: 'drench' }] },
    ] as never;
    const made = await api('POST', '/nutrient-plans', broken);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const problems = (await api('GET', `/nutrient-plans/${made.body.id}/validate`)).body.channels[0].problems as Json[];
    expect(problems.map((p) => [p.kind, p.weeks])).toEqual([
      ['overlap', [3]],
      ['gap', [7, 8]],
    ]);

    const fixed = await api('PATCH', `/nutrient-plans/${made.body.id}`, {
      entries: [
        { phase: 'seedling', week_start: 1, week_end: 2, channels: [{ channel: 'drench' }] },
        { phase: 'vegetative', week_start: 3, week_end: 10, channels: [{ channel: 'drench' }] },
      ],
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    expect((await api('GET', `/nutrient-plans/${made.body.id}/validate`)).body).toMatchObject({ valid: true });
  });

  it('says what a week holds, and 400 for a week outside 1–52', async () => {
    const plan = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Weekly' }));
    const week4 = await api('GET', `/nutrient-plans/${plan.body.id}/weeks/4`);
    expect(week4.status).toBe(200);
    expect(week4.body).toMatchObject({ week: 4, entries: [{ phase: 'vegetative', week_start: 3, week_end: 6 }] });
    expect((await api('GET', `/nutrient-plans/${plan.body.id}/weeks/30`)).body.entries).toEqual([]);
    expect((await api('GET', `/nutrient-plans/${plan.body.id}/weeks/53`)).status).toBe(400);
    expect((await api('GET', `/nutrient-plans/${plan.body.id}/weeks/0`)).status).toBe(400);
  });

  it('clones with lineage, shown in the list; deleting the source keeps the copy', async () => {
    const source = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Source' }));
    const cloneId = randomUUID();
    const copy = await api('POST', `/nutrient-plans/${source.body.id}/clone`, { id: cloneId, name: 'Source, hotter' });
    expect(copy.status, JSON.stringify(copy.body)).toBe(201);
    expect(copy.body).toMatchObject({ id: cloneId, cloned_from_id: source.body.id, substrate: 'coco' });
    expect((copy.body.entries as Json[]).map((e) => e.phase)).toEqual(['seedling', 'vegetative', 'flowering']);
    expect(
      (await api('POST', `/nutrient-plans/${source.body.id}/clone`, { id: cloneId, name: 'Source, hotter' })).status,
    ).toBe(200);
    expect((await api('POST', `/nutrient-plans/${source.body.id}/clone`, { name: 'Source' })).status).toBe(409);

    const list = await api('GET', '/nutrient-plans?limit=200');
    const row = (list.body.data as Json[]).find((p) => p.id === cloneId)!;
    expect(row).toMatchObject({ cloned_from_id: source.body.id, entries: 3, weeks: { first: 1, last: 12 } });

    expect((await api('DELETE', `/nutrient-plans/${source.body.id}`)).status).toBe(204);
    const kept = await api('GET', `/nutrient-plans/${cloneId}`);
    expect(kept.body).toMatchObject({ cloned_from_id: null, name: 'Source, hotter' });
  });

  it('pages the list by name', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Json } = await api('GET', `/nutrient-plans?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page.body.data as Json[]).map((p) => p.name as string));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual([...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it("answers 404 for another farm's plan and keeps a dosed fertilizer from being deleted", async () => {
    const theirs = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Theirs' }), admin, other);
    const id = theirs.body.id as string;
    expect((await api('GET', `/nutrient-plans/${id}`)).status).toBe(404);
    expect((await api('PATCH', `/nutrient-plans/${id}`, { notes: 'x' })).status).toBe(404);
    expect((await api('DELETE', `/nutrient-plans/${id}`)).status).toBe(404);
    expect((await api('GET', `/nutrient-plans/${id}/validate`)).status).toBe(404);
    expect((await api('GET', `/nutrient-plans/${id}/weeks/1`)).status).toBe(404);
    expect((await api('POST', `/nutrient-plans/${id}/clone`, { name: 'Stolen' })).status).toBe(404);

    const own = await api('POST', '/fertilizers', {
      product: 'Dosed',
      type: 'base',
      form: 'liquid',
      max_dose_per_l: 3,
    });
    const plan = tomatoPlan({ name: 'Doses own' });
    plan.entries[0]!.channels[0]!.dosages = [{ fertilizer_id: own.body.id, dose_per_l: 1 }];
    expect((await api('POST', '/nutrient-plans', plan)).status).toBe(201);
    const refused = await api('DELETE', `/fertilizers/${own.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error_code).toBe('IN_USE');
  });
});

describe('a run follows a plan', () => {
  const run = (over: Record<string, unknown> = {}) => ({
    name: 'Tomato run',
    type: 'monoculture',
    entries: [{ species: 'solanum-lycopersicum', quantity: 1, id_prefix: 'TOM' }],
    ...over,
  });

  it('sets the plan on create and PATCH, shows it, refuses another farm’s plan and deleting a followed plan', async () => {
    const plan = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Followed' }));
    const made = await api('POST', '/planting-runs', run({ nutrient_plan: plan.body.id }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.nutrient_plan_id).toBe(plan.body.id);
    expect((await api('GET', `/planting-runs/${made.body.id}`)).body.nutrient_plan_id).toBe(plan.body.id);

    const refused = await api('DELETE', `/nutrient-plans/${plan.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error_code).toBe('IN_USE');

    const theirs = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Elsewhere' }), admin, other);
    const foreign = await api('PATCH', `/planting-runs/${made.body.id}`, { nutrient_plan: theirs.body.id });
    expect(foreign.status).toBe(400);
    expect(fieldsOf(foreign.body)).toEqual(['body.nutrient_plan']);
    expect((await api('POST', '/planting-runs', run({ name: 'x', nutrient_plan: randomUUID() }))).status).toBe(400);

    const cleared = await api('PATCH', `/planting-runs/${made.body.id}`, { nutrient_plan: null });
    expect(cleared.body.nutrient_plan_id).toBeNull();
    expect((await api('DELETE', `/nutrient-plans/${plan.body.id}`)).status).toBe(204);
  });

  it("reads a run's current plan week: whole weeks since it started, plus one", async () => {
    const plan = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Week reader' }));
    const started = new Date('2026-05-10T03:00:00Z'); // 22 days before the clock's 1 June: week 4
    const read = (planId: string, at: Date | null) =>
      t.deps.db.farm(farm.id, (tx) => nutrientReads.runPlanWeek(tx, farm.id, planId, at, t.clock.now()));
    const week = await read(plan.body.id, started);
    expect(week).toMatchObject({ plan_id: plan.body.id, week: 4 });
    expect(week!.entries.map((e) => e.phase)).toEqual(['vegetative']);
    expect(await read(plan.body.id, null)).toBeUndefined();
    const theirs = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Not ours' }), admin, other);
    expect(await read(theirs.body.id, started)).toBeUndefined();
  });

  it('reminds to fertilise only plants whose run follows a plan, and only in the preset’s active months', async () => {
    const plan = await api('POST', '/nutrient-plans', tomatoPlan({ name: 'Feeding' }));
    const made = await api(
      'POST',
      '/planting-runs',
      run({ name: 'Fed run', entries: [{ species: 'solanum-lycopersicum', quantity: 1, id_prefix: 'FED' }] }),
    );
    const plants = await api('POST', `/planting-runs/${made.body.id}/plants`, {});
    expect(plants.status, JSON.stringify(plants.body)).toBe(201);
    const label = (plants.body.plants as Json[])[0]!.label as string;
    const kinds = async () =>
      ((await api('GET', `/plants/${label}/care`)).body.reminders as Json[]).map((r) => r.kind as string);

    // 1 June, tropical preset (tomato's family is not in the family map): fertilising months March–September.
    expect(await kinds()).not.toContain('fertilize');
    await api('PATCH', `/planting-runs/${made.body.id}`, { nutrient_plan: plan.body.id });
    expect(await kinds()).toContain('fertilize');
    // Care starts with a profile; the daily job reads the cared-for plants.
    expect((await api('PATCH', `/plants/${label}/care`, { preset: 'tropical' })).status).toBe(200);
    const due = await t.deps.db.farm(farm.id, (tx) =>
      t.deps.services.care.dueOn(tx, farm.id, 'Asia/Phnom_Penh', '2026-06-20'),
    );
    expect(due.filter((r) => r.label === label).map((r) => r.kind)).toContain('fertilize');
    const december = await t.deps.db.farm(farm.id, (tx) =>
      t.deps.services.care.dueOn(tx, farm.id, 'Asia/Phnom_Penh', '2026-12-20'),
    );
    expect(december.filter((r) => r.label === label).map((r) => r.kind)).not.toContain('fertilize');

    await api('PATCH', `/planting-runs/${made.body.id}`, { nutrient_plan: null });
    const unplanned = await t.deps.db.farm(farm.id, (tx) =>
      t.deps.services.care.dueOn(tx, farm.id, 'Asia/Phnom_Penh', '2026-06-20'),
    );
    expect(unplanned.filter((r) => r.label === label).map((r) => r.kind)).not.toContain('fertilize');
  });
});
