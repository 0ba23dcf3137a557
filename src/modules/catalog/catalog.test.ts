/**
 * The catalogue over HTTP and in the database: the global catalogue to anyone signed in, a farm's view
 * with its own rows, search in the person's language, pages, every validation rule with its field,
 * names unique per scope, global rows out of a farm's reach (also for crafted statements), what other
 * modules read.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  bearer,
  createCatalogCultivar,
  createCatalogFamily,
  createCatalogSpecies,
  createFarm,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { catalogReads } from './catalog.repository.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let other: FarmRef;
let german: Actor;

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  other = await createFarm(t.app, admin, 'Other Acres');
  german = await member(t.app, admin, farm, 'viewer', 'german');
  const set = await t.app.inject({
    method: 'PATCH',
    url: '/api/v1/auth/me',
    headers: german.headers,
    payload: { locale: 'de' },
  });
  expect(set.statusCode, set.body).toBe(200);
});

afterAll(() => t.close());

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
  headers: object = admin.headers,
) {
  const res = await t.app.inject({
    method,
    url,
    headers: headers as Record<string, string>,
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json, raw: res.body };
}
const get = (url: string, headers?: object) => call('GET', url, undefined, headers);
const at = (f: FarmRef, path: string) => `/api/v1/farms/${f.slug}/catalog${path}`;

async function created(f: FarmRef, kind: string, payload: object): Promise<Json> {
  const res = await call('POST', at(f, `/${kind}`), payload);
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

/** Every row of a list, page by page. */
async function all(url: string, limit = 100, headers?: object): Promise<Json[]> {
  const rows: Json[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const sep = url.includes('?') ? '&' : '?';
    const res = await get(
      `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers,
    );
    expect(res.status, res.raw).toBe(200);
    rows.push(...res.body.data);
    cursor = res.body.next_cursor;
    if (!cursor) return rows;
  }
  throw new Error('too many pages');
}

const keys = (rows: Json[]) => rows.map((r) => r.key);

/** 400 VALIDATION_FAILED naming exactly this field. */
function expectField(res: { status: number; body: Json; raw: string }, field: string) {
  expect(res.status, res.raw).toBe(400);
  expect(res.body.error_code).toBe('VALIDATION_FAILED');
  expect(res.body.details.fields.map((f: { field: string }) => f.field)).toContain(field);
}

describe('the global catalogue', () => {
  it('is for people signed in', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/catalog/species' })).statusCode).toBe(401);
  });

  it('lists the shipped rows, all global, in pages that add up', async () => {
    const families = await all('/api/v1/catalog/families', 20);
    expect(families.length).toBeGreaterThanOrEqual(50);
    expect(new Set(keys(families)).size).toBe(families.length);
    expect(families.every((f) => f.origin === 'global')).toBe(true);
    const names = families.map((f) => f.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    const species = await all('/api/v1/catalog/species', 200);
    expect(species.length).toBeGreaterThanOrEqual(200);
    expect(new Set(keys(species)).size).toBe(species.length);
    expect((await all('/api/v1/catalog/cultivars', 200)).length).toBeGreaterThanOrEqual(100);
    const sequences = await all('/api/v1/catalog/sequences');
    expect(sequences.length).toBeGreaterThanOrEqual(10);
    const fruiting = sequences.find((s) => s.key === 'annual-fruiting')!;
    expect(fruiting.phases.map((p: Json) => p.key)).toEqual([
      'germination',
      'seedling',
      'vegetative',
      'flowering',
      'fruiting',
      'harvest',
    ]);
    expect(fruiting.phases[2]).toMatchObject({ position: 2, temp_c: [25, 20], npk: [3, 1, 2], ec_ms: 1.5 });
  });

  it('pages with a limit and the cursor it gives, and refuses a cursor it did not give', async () => {
    const first = await get('/api/v1/catalog/species?limit=3');
    expect(first.body.data).toHaveLength(3);
    const second = await get(`/api/v1/catalog/species?limit=3&cursor=${first.body.next_cursor}`);
    expect(second.body.data).toHaveLength(3);
    const both = await get('/api/v1/catalog/species?limit=6');
    expect([...keys(first.body.data), ...keys(second.body.data)]).toEqual(keys(both.body.data));
    expectField(await get('/api/v1/catalog/species?cursor=nonsense'), 'query.cursor');
    expectField(await get('/api/v1/catalog/species?limit=201'), 'querystring.limit');
  });

  it('searches scientific names and common names in the person’s language, English always', async () => {
    const find = async (q: string, headers?: object) =>
      keys((await get(`/api/v1/catalog/species?q=${encodeURIComponent(q)}`, headers)).body.data);
    expect(await find('Tomate', german.headers)).toContain('solanum-lycopersicum');
    expect(await find('Tomato', german.headers)).toContain('solanum-lycopersicum');
    expect(await find('tomate')).not.toContain('solanum-lycopersicum'); // English profile: "Tomato" only
    expect(await find('lycopersicum')).toEqual(['solanum-lycopersicum']);
    expect(await find('Kartoffel', german.headers)).toContain('solanum-tuberosum');
    // No profile language (a farm's API key): Accept-Language, else English.
    const key = await call('POST', `/api/v1/farms/${farm.slug}/api-keys`, { name: 'Reader', role: 'viewer' });
    const asKey = bearer(key.body.key);
    expect(await find('Patata', { ...asKey, 'accept-language': 'es-ES,es;q=0.9,en;q=0.5' })).toContain(
      'solanum-tuberosum',
    );
    expect(await find('Patata', asKey)).not.toContain('solanum-tuberosum');
    expect(await find('100%_')).toEqual([]);
    const families = await get('/api/v1/catalog/families?q=Nachtschatten', german.headers);
    expect(keys(families.body.data)).toEqual(['solanaceae']);
  });

  it('filters species by family and category, and cultivars by species', async () => {
    const solanaceae = await all('/api/v1/catalog/species?family=solanaceae');
    expect(solanaceae.length).toBeGreaterThan(3);
    expect(solanaceae.every((s) => s.family.key === 'solanaceae')).toBe(true);
    const family = (await get('/api/v1/catalog/families/solanaceae')).body;
    expect(keys(await all(`/api/v1/catalog/species?family=${family.id}`))).toEqual(keys(solanaceae));
    const cacti = await all('/api/v1/catalog/species?category=cactus');
    expect(cacti.length).toBeGreaterThan(5);
    expect(cacti.every((s) => s.category === 'cactus')).toBe(true);
    const potatoes = await all('/api/v1/catalog/cultivars?species=solanum-tuberosum');
    expect(potatoes.length).toBeGreaterThan(0);
    expect(potatoes.every((c) => c.species.key === 'solanum-tuberosum')).toBe(true);
    expect((await get('/api/v1/catalog/species?family=no-such-family')).body.data).toEqual([]);
  });

  it('shows a species with its family, its phases (its overrides applied) and its cultivars', async () => {
    const potato = await get('/api/v1/catalog/species/solanum-tuberosum');
    expect(potato.status, potato.raw).toBe(200);
    expect(potato.body).toMatchObject({
      key: 'solanum-tuberosum',
      origin: 'global',
      family: { key: 'solanaceae', name: 'Solanaceae', order: 'Solanales' },
      sequence: { key: 'annual-root', lifecycle: 'annual' },
      phases: { bulking: { days: 42, gdd: 689 } },
      base_temp_c: 7,
    });
    const bulking = potato.body.sequence.phases.find((p: Json) => p.key === 'bulking');
    expect(bulking).toMatchObject({ days: 42, gdd: 689 });
    const template = (await get('/api/v1/catalog/sequences/annual-root')).body.phases.find(
      (p: Json) => p.key === 'bulking',
    );
    expect(template.gdd).toBeNull();
    expect(potato.body.cultivars.length).toBeGreaterThan(0);
    expect(potato.body.cultivars.every((c: Json) => c.species.key === 'solanum-tuberosum')).toBe(true);
    const byId = await get(`/api/v1/catalog/species/${potato.body.id}`);
    expect(byId.body.key).toBe('solanum-tuberosum');
    expect((await get('/api/v1/catalog/species/no-such-species')).status).toBe(404);
    expect((await get(`/api/v1/catalog/species/${randomUUID()}`)).status).toBe(404);
    const cultivar = await get('/api/v1/catalog/cultivars/solanum-lycopersicum%2Fmoneymaker');
    expect(cultivar.body).toMatchObject({ name: 'Moneymaker', species: { key: 'solanum-lycopersicum' } });
  });
});

describe("a farm's own rows", () => {
  let family: Json;
  let species: Json;

  beforeAll(async () => {
    family = await created(farm, 'families', {
      name: 'Croftaceae',
      order: 'Croftales',
      common_names: { en: 'Croft family', de: 'Hofgewächse' },
      ph: [5.5, 7],
    });
    species = await created(farm, 'species', {
      scientific_name: 'Croftia  hortensis ',
      family: 'croftaceae',
      category: 'herb',
      common_names: { en: ['Garden croftwort'], de: ['Gartenhofkraut'] },
      sequence: 'annual-leafy',
      phases: { vegetative: { days: 20, gdd: 250 } },
      hardiness_zones: ['7a', '9b'],
    });
  });

  it('stand beside the global rows, marked as the farm’s', async () => {
    expect(family).toMatchObject({ key: 'croftaceae', origin: 'farm', name: 'Croftaceae' });
    expect(species).toMatchObject({
      key: 'croftia-hortensis',
      origin: 'farm',
      scientific_name: 'Croftia hortensis',
      family: { id: family.id, key: 'croftaceae' },
    });
    const families = await all(at(farm, '/families'));
    expect(families.find((f) => f.key === 'croftaceae')!.origin).toBe('farm');
    expect(families.find((f) => f.key === 'solanaceae')!.origin).toBe('global');
    const found = await get(`${at(farm, '/species')}?q=Hofkraut`, german.headers);
    expect(keys(found.body.data)).toEqual(['croftia-hortensis']);
    // Not in the global catalogue, nor in another farm's view.
    expect((await get('/api/v1/catalog/families/croftaceae')).status).toBe(404);
    expect(keys(await all(at(other, '/families')))).not.toContain('croftaceae');
    expect(keys(await all(at(other, '/species?q=Croftia')))).toEqual([]);
  });

  it("answers 404 for another farm's rows, read or written, by id or key", async () => {
    for (const ref of [species.id, 'croftia-hortensis']) {
      expect((await get(at(other, `/species/${ref}`))).status).toBe(404);
      expect((await call('PATCH', at(other, `/species/${ref}`), { genus: 'X' })).status).toBe(404);
      expect((await call('DELETE', at(other, `/species/${ref}`))).status).toBe(404);
    }
    expect((await get(at(other, `/families/${family.id}`))).status).toBe(404);
    // Naming it as a reference is as if it did not exist.
    const borrowed = await call('POST', at(other, '/species'), {
      scientific_name: 'Borrowed plant',
      family: family.id,
      category: 'herb',
      sequence: 'annual-leafy',
    });
    expectField(borrowed, 'body.family');
    expectField(await call('POST', at(other, '/cultivars'), { species: species.id, name: 'Stolen' }), 'body.species');
  });

  it('shows its species page with the farm’s own cultivars', async () => {
    const cultivar = await created(farm, 'cultivars', { species: 'croftia-hortensis', name: 'Early Gold' });
    expect(cultivar).toMatchObject({ key: 'croftia-hortensis/early-gold', origin: 'farm' });
    const own = await created(farm, 'cultivars', { species: 'solanum-lycopersicum', name: 'Grandma’s Red' });
    expect(own.key).toBe('solanum-lycopersicum/grandma-s-red');
    const page = await get(at(farm, '/species/solanum-lycopersicum'));
    expect(page.body.cultivars.map((c: Json) => c.name)).toContain('Grandma’s Red');
    expect(
      (await get('/api/v1/catalog/species/solanum-lycopersicum')).body.cultivars.map((c: Json) => c.name),
    ).not.toContain('Grandma’s Red');
    const detail = await get(at(farm, '/species/croftia-hortensis'));
    expect(detail.body.sequence.phases.find((p: Json) => p.key === 'vegetative')).toMatchObject({ days: 20, gdd: 250 });
    expect(detail.body.cultivars.map((c: Json) => c.key)).toEqual(['croftia-hortensis/early-gold']);
  });

  it('changes, retires and deletes, refusing while something still refers to it', async () => {
    const changed = await call('PATCH', at(farm, '/species/croftia-hortensis'), { watering_interval_days: 5 });
    expect(changed.status, changed.raw).toBe(200);
    expect(changed.body).toMatchObject({ watering_interval_days: 5, phases: { vegetative: { days: 20 } } });
    const busy = await call('DELETE', at(farm, '/families/croftaceae'));
    expect(busy.status).toBe(409);
    expect(busy.body.error_code).toBe('IN_USE');
    expect((await call('DELETE', at(farm, '/species/croftia-hortensis'))).body.error_code).toBe('IN_USE');

    const retired = await call('PATCH', at(farm, '/species/croftia-hortensis'), { retired: true });
    expect(retired.body.retired_at).not.toBeNull();
    expect(keys(await all(at(farm, '/species?q=Croftia')))).toEqual([]);
    expect(keys(await all(at(farm, '/species?q=Croftia&include_retired=true')))).toEqual(['croftia-hortensis']);
    expect((await get(at(farm, '/species/croftia-hortensis'))).status).toBe(200);
    await call('PATCH', at(farm, '/species/croftia-hortensis'), { retired: false });

    expect((await call('DELETE', at(farm, '/cultivars/croftia-hortensis%2Fearly-gold'))).status).toBe(204);
    expect((await call('DELETE', at(farm, '/species/croftia-hortensis'))).status).toBe(204);
    expect((await call('DELETE', at(farm, '/families/croftaceae'))).status).toBe(204);
    expect((await get(at(farm, '/families/croftaceae'))).status).toBe(404);
  });
});

describe('global rows and a farm', () => {
  it('answers 403 GLOBAL_ROW_READ_ONLY to a farm changing or deleting one', async () => {
    const tomato = (await get('/api/v1/catalog/species/solanum-lycopersicum')).body;
    for (const ref of ['solanum-lycopersicum', tomato.id]) {
      const patch = await call('PATCH', at(farm, `/species/${ref}`), { watering_interval_days: 1 });
      expect(patch.status).toBe(403);
      expect(patch.body.error_code).toBe('GLOBAL_ROW_READ_ONLY');
      expect((await call('DELETE', at(farm, `/species/${ref}`))).body.error_code).toBe('GLOBAL_ROW_READ_ONLY');
    }
    expect((await call('PATCH', at(farm, '/families/solanaceae'), { ph: [3, 4] })).status).toBe(403);
    expect((await call('PATCH', at(farm, '/sequences/annual-fruiting'), { dormancy_required: true })).status).toBe(403);
    expect((await call('DELETE', at(farm, '/cultivars/solanum-lycopersicum%2Fmoneymaker'))).status).toBe(403);
    // A body cannot name the scope it writes in.
    expectField(await call('PATCH', at(farm, '/species/solanum-lycopersicum'), { farm_id: null }), 'body.farm_id');
    expect((await get('/api/v1/catalog/species/solanum-lycopersicum')).body).toEqual(tomato);
  });

  it('holds in the database against crafted statements in a farm’s transaction', async () => {
    const db = t.database.db;
    const tomato = (await get('/api/v1/catalog/species/solanum-lycopersicum')).body;
    const fruiting = (await get('/api/v1/catalog/sequences/annual-fruiting')).body;
    const updated = await db.farm(farm.id, (tx) =>
      tx
        .updateTable('catalog_species')
        .set({ watering_interval_days: 1 })
        .where('id', '=', tomato.id)
        .executeTakeFirst(),
    );
    expect(Number(updated.numUpdatedRows)).toBe(0);
    const deleted = await db.farm(farm.id, (tx) =>
      tx.deleteFrom('catalog_families').where('key', '=', 'solanaceae').executeTakeFirst(),
    );
    expect(Number(deleted.numDeletedRows)).toBe(0);
    const now = new Date();
    // A global row cannot be made, nor a farm's row moved into another farm or into the catalogue.
    await expect(
      db.farm(farm.id, (tx) =>
        tx
          .insertInto('catalog_families')
          .values({
            farm_id: null,
            key: 'fakeaceae',
            name: 'Fakeaceae',
            nitrogen_fixing: false,
            common_names: {},
            created_at: now,
            updated_at: now,
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      db.farm(farm.id, (tx) =>
        tx
          .insertInto('catalog_families')
          .values({
            farm_id: other.id,
            key: 'fakeaceae',
            name: 'Fakeaceae',
            nitrogen_fixing: false,
            common_names: {},
            created_at: now,
            updated_at: now,
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    // A phase of the farm's own hung into a global sequence.
    await expect(
      db.farm(farm.id, (tx) =>
        tx
          .insertInto('catalog_phases')
          .values({
            farm_id: farm.id,
            sequence_id: fruiting.id,
            position: 40,
            key: 'sneaky',
            terminal: false,
            harvest_allowed: false,
          })
          .execute(),
      ),
    ).rejects.toThrow(/differs from its sequence/);
    // A species of the farm in another farm's family, by its id.
    const elsewhere = await created(other, 'families', { name: 'Elsewhereaceae' });
    await expect(
      db.farm(farm.id, (tx) =>
        tx
          .insertInto('catalog_species')
          .values({
            farm_id: farm.id,
            key: 'sneaky-plant',
            scientific_name: 'Sneaky plant',
            family_id: elsewhere.id,
            sequence_id: fruiting.id,
            category: 'herb',
            common_names: {},
            phase_overrides: {},
            base_temp_c: 10,
            created_at: now,
            updated_at: now,
          })
          .execute(),
      ),
    ).rejects.toThrow(/family of another farm/);
    // And the farm sees nothing of another farm's rows.
    const seen = await db.farm(farm.id, (tx) =>
      sql<{
        n: number;
      }>`select count(*)::int as n from catalog_families where farm_id is not null and farm_id <> ${farm.id}`.execute(
        tx,
      ),
    );
    expect(seen.rows[0]!.n).toBe(0);
    expect((await get('/api/v1/catalog/species/solanum-lycopersicum')).body).toEqual(tomato);
  });
});

describe('names', () => {
  it('are unique among global rows and within a farm, never across farms', async () => {
    const globalName = await call('POST', at(farm, '/families'), { name: 'Solanaceae' });
    expect(globalName.status).toBe(409);
    expect(globalName.body).toMatchObject({
      error_code: 'NAME_TAKEN',
      details: { field: 'body.name', existing: { key: 'solanaceae', origin: 'global' } },
    });
    await createCatalogFamily(t.app, admin, farm, { name: 'Twinaceae' });
    const again = await call('POST', at(farm, '/families'), { name: 'twinaceae ' });
    expectField(again, 'body.name'); // lower case: not a family name at all
    const same = await call('POST', at(farm, '/families'), { name: 'Twinaceae' });
    expect(same.status).toBe(409);
    expect(same.body.details.existing.origin).toBe('farm');
    await created(other, 'families', { name: 'Twinaceae' });

    const tomato = await call('POST', at(farm, '/species'), {
      scientific_name: 'solanum  LYCOPERSICUM',
      family: 'solanaceae',
      category: 'vegetable',
      sequence: 'annual-fruiting',
    });
    expect(tomato.status).toBe(409);
    expect(tomato.body.details).toMatchObject({ field: 'body.scientific_name', existing: { origin: 'global' } });
    const twin = { scientific_name: 'Twinia gemina', family: 'twinaceae', category: 'herb', sequence: 'annual-leafy' };
    await created(farm, 'species', twin);
    expect((await call('POST', at(farm, '/species'), twin)).body.error_code).toBe('NAME_TAKEN');
    expect((await created(other, 'species', twin)).key).toBe('twinia-gemina');

    const moneymaker = await call('POST', at(farm, '/cultivars'), {
      species: 'solanum-lycopersicum',
      name: 'MONEYMAKER',
    });
    expect(moneymaker.body).toMatchObject({ error_code: 'NAME_TAKEN', details: { existing: { origin: 'global' } } });
    // The same cultivar name under another species is another cultivar.
    await created(farm, 'cultivars', { species: 'capsicum-annuum', name: 'Moneymaker' });

    // Keys: one the farm already sees is refused, made ones step aside.
    const key = await call('POST', at(farm, '/families'), { name: 'Keyaceae', key: 'solanaceae' });
    expect(key.body).toMatchObject({ error_code: 'KEY_TAKEN', details: { existing: { origin: 'global' } } });
    const sequence = await call('POST', at(farm, '/sequences'), {
      key: 'annual-fruiting',
      lifecycle: 'annual',
      phases: [{ key: 'grow' }],
    });
    expect(sequence.body.error_code).toBe('KEY_TAKEN');
  });
});

describe('validation', () => {
  const species = {
    scientific_name: 'Valida probata',
    family: 'solanaceae',
    category: 'herb',
    sequence: 'annual-leafy',
  };
  const phase = { key: 'grow', days: 10, temp_c: [24, 20], humidity_pct: [60, 65], photoperiod_h: 16 };

  it.each<[string, Json, string]>([
    ['a family not ending in aceae', { name: 'Compositae' }, 'body.name'],
    ['an order not ending in ales', { name: 'Orderaceae', order: 'Asterids' }, 'body.order'],
    [
      'a nitrogen-fixer that feeds heavily',
      { name: 'Nfixaceae', nitrogen_fixing: true, nutrient_demand: 'heavy' },
      'body.nutrient_demand',
    ],
    ['a pH under 3', { name: 'Phaceae', ph: [2.5, 6] }, 'body.ph[0]'],
    ['a pH over 9', { name: 'Phaceae', ph: [6, 9.5] }, 'body.ph[1]'],
    ['a pH range upside down', { name: 'Phaceae', ph: [7, 6] }, 'body.ph'],
  ])('of families refuses %s', async (_what, body, field) => {
    expectField(await call('POST', at(farm, '/families'), body), field);
  });

  it.each<[string, Json, string]>([
    ['a one-word scientific name', { scientific_name: 'Valida' }, 'body.scientific_name'],
    ['hardiness zone 14', { hardiness_zones: ['7a', '14a'] }, 'body.hardiness_zones[1]'],
    ['hardiness zone 0', { hardiness_zones: ['0', '5b'] }, 'body.hardiness_zones[0]'],
    ['hardiness zones upside down', { hardiness_zones: ['9b', '7a'] }, 'body.hardiness_zones'],
    ['month 13', { sowing_months: [3, 13] }, 'body.sowing_months[1]'],
    ['month 0', { bloom_months: [0] }, 'body.bloom_months[0]'],
    ['watering every 0 days', { watering_interval_days: 0 }, 'body.watering_interval_days'],
    ['watering every 91 days', { watering_interval_days: 91 }, 'body.watering_interval_days'],
    ['a GDD threshold of 0', { phases: { vegetative: { gdd: 0 } } }, 'body.phases.vegetative.gdd'],
    ['an override of a phase the sequence lacks', { phases: { fruiting: { days: 3 } } }, 'body.phases.fruiting'],
    ['an upper GDD cap under the base', { base_temp_c: 10, upper_temp_c: 8 }, 'body.upper_temp_c'],
    ['a family the farm does not see', { family: 'no-such-family' }, 'body.family'],
    ['a sequence the farm does not see', { sequence: randomUUID() }, 'body.sequence'],
  ])('of species refuses %s', async (_what, change, field) => {
    expectField(await call('POST', at(farm, '/species'), { ...species, ...change }), field);
  });

  it.each<[string, Json, string]>([
    ['0 days to maturity', { days_to_maturity: 0 }, 'body.days_to_maturity'],
    ['1096 days to maturity', { days_to_maturity: 1096 }, 'body.days_to_maturity'],
    ['a species the farm does not see', { species: 'no-such-species' }, 'body.species'],
    ['a key under another species', { key: 'capsicum-annuum/x' }, 'body.key'],
  ])('of cultivars refuses %s', async (_what, change, field) => {
    expectField(
      await call('POST', at(farm, '/cultivars'), { species: 'solanum-lycopersicum', name: 'Valid One', ...change }),
      field,
    );
  });

  it.each<[string, Json, string]>([
    ['humidity over 100 %', { humidity_pct: [60, 101] }, 'body.phases[0].humidity_pct[1]'],
    ['a photoperiod of 25 h', { photoperiod_h: 25 }, 'body.phases[0].photoperiod_h'],
    ['a GDD threshold of 0', { gdd: 0 }, 'body.phases[0].gdd'],
    ['a VPD range upside down', { vpd_kpa: [1.5, 1] }, 'body.phases[0].vpd_kpa'],
  ])('of sequences refuses %s in a phase', async (_what, change, field) => {
    expectField(
      await call('POST', at(farm, '/sequences'), {
        key: 'valid-cycle',
        lifecycle: 'annual',
        phases: [{ ...phase, ...change }],
      }),
      field,
    );
  });

  it('accepts a night warmer than the day with a warning, and an equal one without', async () => {
    const warm = await created(farm, 'sequences', {
      key: 'warm-nights',
      lifecycle: 'perennial',
      restart_phase: 'rest',
      phases: [
        { ...phase, key: 'rest', temp_c: [18, 18] },
        { ...phase, key: 'grow', temp_c: [18, 22] },
      ],
    });
    expect(warm.warnings).toEqual([
      { code: 'NIGHT_WARMER_THAN_DAY', field: 'body.phases[1].temp_c', message: expect.stringContaining('22 °C') },
    ]);
    expect(warm.phases[1]).toMatchObject({ key: 'grow', position: 1, temp_c: [18, 22] });
    const patched = await call('PATCH', at(farm, '/sequences/warm-nights'), {
      phases: [
        { ...phase, key: 'grow', temp_c: [20, 20] },
        { ...phase, key: 'rest' },
        { ...phase, key: 'bloom' },
      ],
    });
    expect(patched.status, patched.raw).toBe(200);
    expect(patched.body.warnings).toEqual([]);
    expect(patched.body.phases.map((p: Json) => [p.key, p.position])).toEqual([
      ['grow', 0],
      ['rest', 1],
      ['bloom', 2],
    ]);
    // Its phases keep their ids as they move.
    expect(patched.body.phases[0].id).toBe(warm.phases[1].id);
    const used = await created(farm, 'species', { ...species, scientific_name: 'Calida nox', sequence: 'warm-nights' });
    expect((await call('DELETE', at(farm, '/sequences/warm-nights'))).body.error_code).toBe('IN_USE');
    expect((await call('DELETE', at(farm, `/species/${used.id}`))).status).toBe(204);
    expect((await call('DELETE', at(farm, '/sequences/warm-nights'))).status).toBe(204);
  });
});

describe('what other modules read', () => {
  it('gives species for the growth clock, overrides applied, and resolves ids and keys the farm sees', async () => {
    const db = t.database.db;
    const potato = (await get('/api/v1/catalog/species/solanum-tuberosum')).body;
    const shadow = await call('POST', at(farm, '/species'), {
      scientific_name: 'Solanum readii',
      family: 'solanaceae',
      category: 'vegetable',
      sequence: 'annual-root',
      key: 'solanum-tuberosum',
    });
    expect(shadow.body.error_code).toBe('KEY_TAKEN'); // a farm key never hides a global one

    const mine = await created(farm, 'species', {
      scientific_name: 'Solanum readii',
      family: 'solanaceae',
      category: 'vegetable',
      sequence: 'annual-root',
      phases: { bulking: { days: 50, gdd: null } },
      base_temp_c: 8,
      upper_temp_c: 30,
    });
    const theirs = await createCatalogSpecies(t.app, admin, other, { scientific_name: 'Solanum alienum' });
    const growth = await db.farm(farm.id, (tx) =>
      catalogReads.speciesForGrowth(tx, [potato.id, mine.id, theirs.id, 'not-an-id', randomUUID()]),
    );
    expect([...growth.keys()].sort()).toEqual([potato.id, mine.id].sort());
    const tuber = growth.get(potato.id)!;
    expect(tuber).toMatchObject({ key: 'solanum-tuberosum', baseTempC: 7, upperTempC: null });
    expect(tuber.sequence.phases.map((p) => p.key)).toEqual([
      'germination',
      'seedling',
      'vegetative',
      'bulking',
      'harvest',
    ]);
    expect(tuber.sequence.phases.map((p) => p.position)).toEqual([0, 1, 2, 3, 4]);
    expect(tuber.sequence.phases[3]).toMatchObject({ key: 'bulking', days: 42, gdd: 689 });
    expect(tuber.sequence.phases[3]!.profile.npk).toHaveLength(3);
    const readii = growth.get(mine.id)!;
    expect(readii).toMatchObject({ baseTempC: 8, upperTempC: 30 });
    expect(readii.sequence.phases[3]).toMatchObject({ key: 'bulking', days: 50, gdd: null });

    const resolve = (ref: string) => db.farm(farm.id, (tx) => catalogReads.resolveSpecies(tx, farm.id, ref));
    expect(await resolve('solanum-tuberosum')).toEqual({ id: potato.id, key: 'solanum-tuberosum' });
    expect(await resolve(mine.id)).toEqual({ id: mine.id, key: 'solanum-readii' });
    expect(await resolve(theirs.id)).toBeUndefined();
    expect(await resolve('solanum-alienum')).toBeUndefined();
    await call('PATCH', at(farm, `/species/${mine.id}`), { retired: true });
    expect(await resolve('solanum-readii')).toBeUndefined();

    const tomatoId = (await get('/api/v1/catalog/species/solanum-lycopersicum')).body.id;
    const cultivar = (ref: string, f = farm) => db.farm(f.id, (tx) => catalogReads.resolveCultivar(tx, f.id, ref));
    expect(await cultivar('solanum-lycopersicum/moneymaker')).toMatchObject({
      name: 'Moneymaker',
      speciesId: tomatoId,
    });
    const own = await createCatalogCultivar(t.app, admin, farm, { name: 'Backyard Pink' });
    expect(await cultivar('solanum-lycopersicum/backyard-pink')).toEqual({
      id: own.id,
      speciesId: tomatoId,
      name: 'Backyard Pink',
    });
    expect(await cultivar(own.id, other)).toBeUndefined();
    expect(await cultivar('solanum-lycopersicum/backyard-pink', other)).toBeUndefined();
  });
});
