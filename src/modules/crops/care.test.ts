import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

/** Care reminders and starter kits through the API, on the catalogue and kits that ship with Croft. */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let worker: Actor;
let other: FarmRef;

async function api(
  method: string,
  path: string,
  payload?: unknown,
  who: Pick<Actor, 'headers'> = admin,
  on: FarmRef = farm,
) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const apply = (kit: string, plant_count: number, site_name = 'Home', who: Pick<Actor, 'headers'> = admin) =>
  api('POST', '/onboarding/apply', { kit, site_name, plant_count }, who);

async function count(table: 'locations' | 'plants' | 'plant_care_profiles', farmId = farm.id): Promise<number> {
  const { rows } = await t.database.db.raw.executeSql(`select count(*)::int as n from ${table} where farm_id = $1`, [
    farmId,
  ]);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  t = await createTestApp({ now: '2026-06-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Elsewhere');
});

afterAll(() => t.close());

describe('starter kits', () => {
  it('lists the kits that ship with Croft, each with its places, species and plant bounds', async () => {
    const res = await api('GET', '/api/v1/catalog/starter-kits', undefined, worker);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const kits = res.body.data as Json[];
    expect(kits.length).toBeGreaterThanOrEqual(9);
    const khmer = kits.find((k) => k.key === 'cambodian-home-garden')!;
    expect(khmer).toMatchObject({
      names: { en: 'Cambodian home garden' },
      plants_at: 'bed',
      suggested_plants: 8,
      max_plants: 24,
      places: [{ key: 'bed', type: 'bed', code: 'KH', parent: null, slots: 0 }],
    });
    expect(khmer.species).toEqual([
      'ipomoea-aquatica',
      'cymbopogon-citratus',
      'capsicum-frutescens',
      'vigna-unguiculata-subsp-sesquipedalis',
    ]);
  });
});

describe('onboarding', () => {
  it('makes the site, its places, plants of the first N species and their care in one go', async () => {
    const res = await apply('windowsill-herbs', 4, 'Flat');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.site.name).toBe('Flat');
    expect(res.body.places).toEqual([expect.objectContaining({ key: 'windowsill', type: 'zone' })]);
    const plants = res.body.plants as Json[];
    // Fewer plants than the kit's six species: one each of the first four.
    expect(plants.map((p) => p.species)).toEqual([
      'ocimum-basilicum',
      'petroselinum-crispum',
      'allium-schoenoprasum',
      'mentha-spicata',
    ]);
    expect(plants.map((p) => p.label)).toEqual(['WIN_OCI_01', 'WIN_PET_01', 'WIN_ALL_01', 'WIN_MEN_01']);
    expect(new Set(plants.map((p) => p.location_id))).toEqual(new Set([res.body.places[0].id]));
    expect(res.body.care_profiles).toBe(4);
    // The first tasks: the new plants are watered in today — but chives and mint (perennial-herbaceous)
    // begin in dormancy, when only pest checks are reminded.
    expect(res.body.tasks).toBe(2);
    const chives = await api('GET', '/plants/WIN_ALL_01/care');
    expect(chives.body.effective.quiet).toBe(true);
    expect((chives.body.reminders as Json[]).map((r) => r.kind)).toEqual(['pest_check']);
    const basil = plants[0]!.id as string;
    const first = await api('GET', `/tasks?plant_id=${basil}&source=care`);
    expect(first.body.data).toEqual([
      expect.objectContaining({ kind: 'water', status: 'open', title: 'Water: WIN_OCI_01' }),
    ]);

    const place = await api('GET', `/locations/${res.body.places[0].id}`);
    expect(place.body).toMatchObject({ parent_id: res.body.site.id, code: 'WIN' });
    const care = await api('GET', '/plants/WIN_OCI_01/care', undefined, worker);
    expect(care.status, JSON.stringify(care.body)).toBe(200);
    expect(care.body).toMatchObject({
      cared_for: true,
      preset: 'herb',
      started_on: '2026-06-01',
      effective: { species_water_interval_days: 2, base_water_interval_days: 2, winter: false },
    });
    // Watered in the day care starts.
    expect(care.body.reminders[0]).toMatchObject({ kind: 'water', due_on: '2026-06-01', urgency: 'due_today' });
  });

  it('spreads plants evenly over the species and fills the slots before the place itself', async () => {
    const res = await apply('grow-tent', 5, 'Cellar');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const plants = res.body.plants as Json[];
    expect(plants.map((p) => p.species)).toEqual([
      'capsicum-annuum',
      'capsicum-annuum',
      'capsicum-annuum',
      'solanum-lycopersicum',
      'solanum-lycopersicum',
    ]);
    const tent = res.body.places[0].id as string;
    const slots = (await api('GET', `/locations?parent_id=${tent}`)).body;
    const slotIds = (slots.data as Json[]).filter((l) => l.type === 'slot').map((l) => l.id);
    expect(slotIds).toHaveLength(4);
    expect(plants.slice(0, 4).map((p) => p.location_id)).toEqual(expect.arrayContaining(slotIds));
    expect(plants[4]!.location_id).toBe(tent);
  });

  it('applies a kit again with place codes of their own', async () => {
    const res = await apply('windowsill-herbs', 1, 'Office');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.plants[0].label).toBe('WIN2_OCI_01');
  });

  it('refuses bad input: plant count out of bounds (400), an unknown kit (404), a worker (403)', async () => {
    for (const [n, field] of [
      [0, 'body.plant_count'],
      [19, 'body.plant_count'],
    ] as const) {
      const res = await apply('windowsill-herbs', n);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
    expect((await apply('windowsill-herbs', 18, 'Big')).status).toBe(201);
    const none = await apply('no-such-kit', 1);
    expect(none.status).toBe(404);
    expect(none.body.error_code).toBe('NOT_FOUND');
    expect((await apply('windowsill-herbs', 1, 'Mine', worker)).status).toBe(403);
    const blank = await api('POST', '/onboarding/apply', { kit: 'chillies', site_name: '', plant_count: 1 });
    expect(blank.status).toBe(400);
  });

  it('leaves no row behind when it fails midway', async () => {
    const before = await Promise.all([count('locations'), count('plants'), count('plant_care_profiles')]);
    // An injected fault after the site, places and plants are written: the care profiles' insert fails.
    await t.database.db.raw.executeSql(`
      create function care_test_fault() returns trigger language plpgsql as $$
      begin raise exception 'injected fault'; end $$;
      create trigger care_test_fault before insert on plant_care_profiles
        for each row execute function care_test_fault();`);
    try {
      const res = await apply('cambodian-home-garden', 8, 'Village house');
      expect(res.status).toBe(500);
    } finally {
      await t.database.db.raw.executeSql(`
        drop trigger care_test_fault on plant_care_profiles;
        drop function care_test_fault();`);
    }
    expect(await Promise.all([count('locations'), count('plants'), count('plant_care_profiles')])).toEqual(before);
    // And it goes through once the fault is gone.
    const res = await apply('cambodian-home-garden', 4, 'Village house');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((res.body.plants as Json[]).map((p) => p.species)).toEqual([
      'ipomoea-aquatica',
      'cymbopogon-citratus',
      'capsicum-frutescens',
      'vigna-unguiculata-subsp-sesquipedalis',
    ]);
  });
});

describe('care profiles', () => {
  it('shows the profile a plant would start with, and starts care when set', async () => {
    const plant = await api('POST', '/plants', { species: 'monstera-deliciosa', label: 'MONSTERA' });
    expect(plant.status, JSON.stringify(plant.body)).toBe(201);
    const before = await api('GET', '/plants/MONSTERA/care');
    expect(before.body).toMatchObject({ cared_for: false, preset: 'tropical' });
    const set = await api('PATCH', '/plants/MONSTERA/care', { water_interval_days: 9, location_check: true }, worker);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({
      cared_for: true,
      settings: { water_interval_days: 9, location_check: true },
      effective: { base_water_interval_days: 9, water_interval_days: 9 },
    });
    expect((set.body.reminders as Json[]).map((r) => r.kind)).toEqual([
      'water',
      'repot',
      'pest_check',
      'location_check',
    ]);
  });

  it('refuses a care interval of 0 or over 90 and a winter factor of 0 or less, naming the field', async () => {
    for (const [body, field] of [
      [{ water_interval_days: 0 }, 'water_interval_days'],
      [{ pest_check_interval_days: 91 }, 'pest_check_interval_days'],
      [{ fertilize_interval_days: 0 }, 'fertilize_interval_days'],
      [{ winter_factor: 0 }, 'winter_factor'],
      [{ winter_factor: -1.5 }, 'winter_factor'],
      [{ preset: 'jungle' }, 'preset'],
      [{ location_check_months: [13] }, 'location_check_months'],
      [{}, 'body'],
    ] as const) {
      const res = await api('PATCH', '/plants/MONSTERA/care', body);
      expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
  });

  it("answers 404 for another farm's plant and keeps viewers to reading", async () => {
    const elsewhere = await api('POST', '/plants', { species: 'aloe-vera', label: 'ALOE' }, admin, other);
    expect(elsewhere.status).toBe(201);
    expect((await api('GET', `/plants/${elsewhere.body.id}/care`)).status).toBe(404);
    expect((await api('PATCH', `/plants/${elsewhere.body.id}/care`, { enabled: false })).status).toBe(404);
    expect((await api('POST', `/plants/${elsewhere.body.id}/care/confirm`, { kind: 'water' })).status).toBe(404);
    const viewer = await member(t.app, admin, farm, 'viewer');
    expect((await api('GET', '/plants/MONSTERA/care', undefined, viewer)).status).toBe(200);
    expect((await api('PATCH', '/plants/MONSTERA/care', { enabled: false }, viewer)).status).toBe(403);
  });

  it('stretches watering in a northern winter only', async () => {
    const plant = await api('POST', '/plants', { species: 'aloe-vera', label: 'ALOE1' }, admin, other);
    expect(plant.status).toBe(201);
    expect((await api('PATCH', '/plants/ALOE1/care', { winter_factor: 2 }, admin, other)).status).toBe(200);
    const summer = await api('GET', '/plants/ALOE1/care', undefined, admin, other);
    expect(summer.body.effective).toMatchObject({ winter: false });
    const base = summer.body.effective.base_water_interval_days as number;
    // The farm lies in Berlin; in January its aloe waits twice as long.
    expect((await api('PATCH', `/api/v1/farms/${other.slug}`, { latitude: 52.5 })).status).toBe(200);
    t.clock.set('2027-01-10T10:00:00Z');
    try {
      const later = await login(t.app, admin.email); // the morning's sign-in has expired by January
      const winter = await api('GET', '/plants/ALOE1/care', undefined, later, other);
      expect(winter.body.effective).toMatchObject({ winter: true, water_interval_days: base * 2 });
      // Phnom Penh's farm has no winter.
      const home = await api('GET', '/plants/MONSTERA/care', undefined, later);
      expect(home.body.effective.winter).toBe(false);
    } finally {
      t.clock.set('2026-06-01T03:00:00Z');
    }
  });
});

describe('confirming care', () => {
  it('moves the next reminder and learns the watering rhythm one day a step', async () => {
    expect((await api('POST', '/plants', { species: 'monstera-deliciosa', label: 'LEARNER' })).status).toBe(201);
    // Base 7 (no species guide): clamp 4 … 9. Watered every 4 days.
    const days = ['2026-05-10', '2026-05-14', '2026-05-18', '2026-05-22', '2026-05-26'];
    const learned: Array<number | null> = [];
    for (const day of days) {
      const res = await api('POST', '/plants/LEARNER/care/confirm', { kind: 'water', at: `${day}T02:00:00Z` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ kind: 'water', day });
      learned.push(res.body.care.effective.learned_water_interval_days);
    }
    const base = 7;
    expect(learned).toEqual([null, null, base - 1, base - 2, base - 3]);
    const care = await api('GET', '/plants/LEARNER/care');
    expect(care.body.reminders[0]).toMatchObject({ kind: 'water', due_on: '2026-05-30', last_done_on: '2026-05-26' });
  });

  it('answers a resend with the first confirmation (200), a different request with the same id 409', async () => {
    const id = randomUUID();
    const first = await api('POST', '/plants/MONSTERA/care/confirm', { id, kind: 'pest_check' }, worker);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    t.clock.set('2026-06-01T05:00:00Z');
    try {
      const again = await api('POST', '/plants/MONSTERA/care/confirm', { id, kind: 'pest_check' }, worker);
      expect(again.status).toBe(200);
      expect(again.body.at).toBe(first.body.at);
      const other = await api('POST', '/plants/MONSTERA/care/confirm', { id, kind: 'repot' }, worker);
      expect(other.status).toBe(409);
      expect(other.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    } finally {
      t.clock.set('2026-06-01T03:00:00Z');
    }
    const { rows } = await t.database.db.raw.executeSql(
      'select count(*)::int as n from plant_care_confirmations where farm_id = $1 and id = $2',
      [farm.id, id],
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('refuses a confirmation in the future or of an unknown kind', async () => {
    const later = await api('POST', '/plants/MONSTERA/care/confirm', { kind: 'water', at: '2026-06-02T00:00:00Z' });
    expect(later.status).toBe(400);
    expect(JSON.stringify(later.body.details)).toContain('body.at');
    const odd = await api('POST', '/plants/MONSTERA/care/confirm', { kind: 'sing' });
    expect(odd.status).toBe(400);
    expect(JSON.stringify(odd.body.details)).toContain('kind');
  });
});

describe('the daily care job', () => {
  it('makes the due reminders as tasks once per plant, kind and day; a confirmation completes its task', async () => {
    const care = t.deps.services.care;
    expect((await api('POST', '/plants', { species: 'aloe-vera', label: 'JOBALOE' })).status).toBe(201);
    expect((await api('PATCH', '/plants/JOBALOE/care', { adaptive: true })).status).toBe(200);
    const plant = (await api('GET', '/plants/JOBALOE')).body.id as string;
    const tasks = async () =>
      (await api('GET', `/tasks?plant_id=${plant}&source=care&status=open`)).body.data as Json[];

    const first = await care.runDailyCare();
    expect(first.farms).toBeGreaterThanOrEqual(1);
    expect((await tasks()).map((task) => task.kind)).toEqual(['water']);
    // A second run of the same day adds nothing, nor does making the same reminders again.
    expect(await care.runDailyCare()).toEqual({ farms: 0, reminders: 0 });
    const again = await t.deps.db.farm(farm.id, async (tx) =>
      care.remind(
        tx,
        farm.id,
        'Asia/Phnom_Penh',
        await care.dueOn(tx, farm.id, 'Asia/Phnom_Penh', '2026-06-01'),
        new Date(),
      ),
    );
    expect(again).toBe(0);
    expect(await tasks()).toHaveLength(1);

    // Watered: the task is done, and the next one comes the interval later.
    const done = await api('POST', '/plants/JOBALOE/care/confirm', { kind: 'water' }, worker);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(await tasks()).toEqual([]);
    const interval = done.body.care.effective.water_interval_days as number;
    const next = done.body.care.reminders.find((r: Json) => r.kind === 'water');
    expect(next.due_on).toBe(addDaysIso('2026-06-01', interval));
  });
});

function addDaysIso(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
