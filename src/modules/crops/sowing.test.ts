import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

/** A site's sowing calendar and its frost dates, through the API, on the catalogue that ships with Croft. */

let t: TestApp;
let admin: Actor;
let viewer: Actor;
let farm: FarmRef;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function site(body: Record<string, unknown>): Promise<Json> {
  const res = await api('POST', '/locations', { type: 'site', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const calendar = (id: string, query = '') => api('GET', `/locations/${id}/sowing-calendar${query}`);
const row = (body: Json, key: string): Json => (body.data as Json[]).find((r) => r.species.key === key)!;
const w = (start: string, end: string, from_previous_year = false, into_next_year = false) => ({
  start,
  end,
  from_previous_year,
  into_next_year,
});

/** A small square around a point (longitude, latitude). */
const square = (lon: number, lat: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon - 0.001, lat - 0.001],
      [lon + 0.001, lat - 0.001],
      [lon + 0.001, lat + 0.001],
      [lon - 0.001, lat + 0.001],
      [lon - 0.001, lat - 0.001],
    ],
  ],
});

beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  viewer = await member(t.app, admin, farm, 'viewer');
});

afterAll(() => t.close());

describe('a site’s frost dates', () => {
  it('are set on a site, returned with it, and cleared with null', async () => {
    const made = await site({ name: 'Kitchen garden', last_frost: '04-20', first_frost: '10-20' });
    expect(made).toMatchObject({ last_frost: '04-20', first_frost: '10-20', frost_safe: null });
    const patched = await api('PATCH', `/locations/${made.id}`, { frost_safe: '05-10' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ last_frost: '04-20', first_frost: '10-20', frost_safe: '05-10' });
    const cleared = await api('PATCH', `/locations/${made.id}`, {
      last_frost: null,
      first_frost: null,
      frost_safe: null,
    });
    expect(cleared.body).toMatchObject({ last_frost: null, first_frost: null, frost_safe: null });
    // Other places answer them as null too.
    const field = await api('POST', '/locations', { type: 'field', name: 'Open field' });
    expect(field.body).toMatchObject({ last_frost: null, first_frost: null, frost_safe: null });
  });

  it('refuses a bad frost date, naming the field', async () => {
    const made = await site({ name: 'Orchard', last_frost: '04-20' });
    const field = (await api('POST', '/locations', { type: 'field', name: 'Back field' })).body;
    const cases: Array<[string, unknown, string]> = [
      [made.id, { last_frost: '13-01' }, 'body.last_frost'],
      [made.id, { last_frost: '02-30' }, 'body.last_frost'],
      [made.id, { last_frost: '4-20' }, 'body.last_frost'],
      [made.id, { first_frost: '2026-10-20' }, 'body.first_frost'],
      [made.id, { first_frost: '04-20' }, 'body.first_frost'], // the same day as the last frost
      [made.id, { frost_safe: '04-10' }, 'body.frost_safe'], // before the last frost: 355 days after it
      [made.id, { first_frost: '05-01', frost_safe: '05-10' }, 'body.frost_safe'], // after the first frost
      [made.id, { last_frost: null, frost_safe: '05-10' }, 'body.frost_safe'], // a safe date needs a last frost
      [field.id, { last_frost: '04-20' }, 'body.last_frost'], // only a site has frost dates
    ];
    for (const [id, body, name] of cases) {
      const res = await api('PATCH', `/locations/${id}`, body);
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error_code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.details)).toContain(name);
    }
    const bed = await api('POST', '/locations', { type: 'bed', name: 'Bed', parent_id: made.id, frost_safe: '05-01' });
    expect(bed.status).toBe(400);
    expect(JSON.stringify(bed.body.details)).toContain('body.frost_safe');
    // Nothing was changed.
    expect((await api('GET', `/locations/${made.id}`)).body).toMatchObject({
      last_frost: '04-20',
      first_frost: null,
      frost_safe: null,
    });
  });

  it('go out with an exported layout and come back with its import; an imported non-site refuses them', async () => {
    await site({ name: 'Exported site', code: 'EXP1', last_frost: '03-25', first_frost: '11-05', frost_safe: '04-15' });
    const exported = await api('GET', '/locations/export');
    const feature = (exported.body.features as Json[]).find((f) => f.properties.code === 'EXP1')!;
    expect(feature.properties).toMatchObject({ last_frost: '03-25', first_frost: '11-05', frost_safe: '04-15' });
    const imported = await api('POST', '/locations/import', {
      type: 'FeatureCollection',
      features: [{ ...feature, properties: { ...feature.properties, code: 'EXP2', qr_code: undefined } }],
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(imported.body.data[0]).toMatchObject({ last_frost: '03-25', first_frost: '11-05', frost_safe: '04-15' });
    const refused = await api('POST', '/locations/import', {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: null, properties: { name: 'F', type: 'field', last_frost: '04-01' } }],
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.details)).toContain('features[0].properties.last_frost');
  });

  it('are changed only by those who may change places', async () => {
    const made = await site({ name: 'Allotment' });
    expect((await api('PATCH', `/locations/${made.id}`, { last_frost: '04-01' }, viewer)).status).toBe(403);
  });
});

describe('the sowing calendar', () => {
  it('needs a latitude: the site’s geometry or the farm’s (422 without either)', async () => {
    const nowhere = await site({ name: 'Somewhere' });
    const res = await calendar(nowhere.id, '?year=2026');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error_code: 'LATITUDE_UNKNOWN', details: { site_id: nowhere.id } });
  });

  it('hangs a temperate site’s windows on its own frost dates (Freiburg, 48° N)', async () => {
    const garden = await site({
      name: 'Freiburg garden',
      geometry: square(7.85, 48.0),
      last_frost: '04-20',
      first_frost: '10-20',
    });
    const res = await calendar(garden.id, '?year=2026&species=solanum-lycopersicum,cucumis-sativus,pisum-sativum');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      site: { id: garden.id, name: 'Freiburg garden' },
      year: 2026,
      latitude_source: 'site',
      hemisphere: 'north',
      climate: 'temperate',
      frost: { last: '04-20', first: '10-20', safe: '05-04' },
      next_cursor: null,
    });
    expect(res.body.latitude).toBeCloseTo(48.0, 3);
    // Only the safe date was assumed: last frost + 14 days.
    expect(res.body.defaults).toEqual([expect.objectContaining({ name: 'frost_safe', value: '05-04' })]);
    expect((res.body.data as Json[]).map((r) => r.species.key)).toEqual([
      'cucumis-sativus',
      'pisum-sativum',
      'solanum-lycopersicum',
    ]);

    const tomato = row(res.body, 'solanum-lycopersicum');
    expect(tomato.species).toMatchObject({ scientific_name: 'Solanum lycopersicum', frost_sensitive: true });
    expect(tomato.species.common_names.en).toContain('Tomato');
    // Seven weeks before the last frost, to the day before it; raised indoors, not sown outdoors.
    expect(tomato.indoor_sowing).toEqual([w('2026-03-02', '2026-04-19')]);
    expect(tomato.outdoor_sowing).toEqual([]);
    expect(tomato.harvest).toEqual([w('2026-07-01', '2026-10-31')]);
    expect(tomato.notes).toContain(
      'frost-sensitive: not outdoors before 2026-05-04, nor from the first frost (2026-10-20)',
    );
    // Cucumber: out 14 days after the last frost, for 14 days; peas six weeks before it.
    expect(row(res.body, 'cucumis-sativus').outdoor_sowing).toEqual([w('2026-05-04', '2026-05-17')]);
    expect(row(res.body, 'pisum-sativum').outdoor_sowing).toEqual([w('2026-03-09', '2026-03-22')]);

    // A later safe date of the site's holds the frost-sensitive crops back, and nothing is assumed.
    await api('PATCH', `/locations/${garden.id}`, { frost_safe: '05-15' });
    const later = await calendar(garden.id, '?year=2026&species=cucumis-sativus,pisum-sativum');
    expect(later.body.defaults).toEqual([]);
    expect(row(later.body, 'cucumis-sativus').outdoor_sowing).toEqual([w('2026-05-15', '2026-05-28')]);
    expect(row(later.body, 'pisum-sativum').outdoor_sowing).toEqual([w('2026-03-09', '2026-03-22')]);
  });

  it('states the defaults it used for a temperate site without frost dates, and reads this year by default', async () => {
    const plot = await site({ name: 'Frankfurt plot', geometry: { type: 'Point', coordinates: [8.68, 50.11] } });
    const res = await calendar(plot.id, '?species=cucumis-sativus,phaseolus-vulgaris');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.year).toBe(2026);
    expect(res.body.frost).toEqual({ last: '05-01', first: '10-15', safe: '05-15' });
    expect((res.body.defaults as Json[]).map((d) => [d.name, d.value])).toEqual([
      ['last_frost', '05-01'],
      ['first_frost', '10-15'],
      ['frost_safe', '05-15'],
    ]);
    // Frost-sensitive crops not out before 15 May, however early their offset would put them.
    expect(row(res.body, 'phaseolus-vulgaris').outdoor_sowing).toEqual([w('2026-05-15', '2026-05-28')]);
    expect(row(res.body, 'cucumis-sativus').outdoor_sowing).toEqual([w('2026-05-15', '2026-05-28')]);
    // Another year is another set of dates.
    const next = await calendar(plot.id, '?year=2028&species=cucumis-sativus');
    expect(row(next.body, 'cucumis-sativus').indoor_sowing).toEqual([w('2028-04-03', '2028-04-30')]);
  });

  it('reads a site in Phnom Penh (the farm’s 11.56° N) as frost-free: months, or the wet season', async () => {
    expect((await api('PATCH', '', { latitude: 11.56, longitude: 104.92 })).status).toBe(200);
    const farmPlot = await site({ name: 'Phnom Penh plot' });
    const res = await calendar(
      farmPlot.id,
      '?year=2026&species=oryza-sativa,manihot-esculenta,echinacea-purpurea,solanum-lycopersicum',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ latitude: 11.56, latitude_source: 'farm', climate: 'frost-free', frost: null });
    const rice = row(res.body, 'oryza-sativa');
    expect(rice.indoor_sowing).toEqual([]);
    expect(rice.outdoor_sowing).toEqual([w('2026-05-01', '2026-08-31')]);
    // Cassava's harvest runs November to March: two pieces in the year, each marked where it was cut.
    expect(row(res.body, 'manihot-esculenta').harvest).toEqual([
      w('2026-01-01', '2026-03-31', true),
      w('2026-11-01', '2026-12-31', false, true),
    ]);
    // A coneflower has no sowing months (its sowing is timed by frost): the start of the wet season.
    const coneflower = row(res.body, 'echinacea-purpurea');
    expect(coneflower.outdoor_sowing).toEqual([w('2026-05-01', '2026-07-31')]);
    expect(coneflower.notes).toEqual(['no sowing months: sown at the start of the wet season (May–July)']);
    expect(res.body.defaults).toEqual([expect.objectContaining({ name: 'wet_season', value: '05-01/07-31' })]);
    // A site's own geometry comes before the farm's latitude.
    const highland = await site({ name: 'Highland', geometry: square(103.5, 12.9) });
    expect((await calendar(highland.id, '?species=oryza-sativa')).body).toMatchObject({ latitude_source: 'site' });
  });

  it('lists every species with calendar data by default, a category at a time, in pages', async () => {
    const plot = await site({ name: 'Market garden', geometry: square(104.9, 11.5) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Json } = await calendar(
        plot.id,
        `?year=2026&category=vegetable&limit=40${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect((page.body.data as Json[]).every((r) => r.species.category === 'vegetable')).toBe(true);
      seen.push(...(page.body.data as Json[]).map((r) => r.species.key as string));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen.length).toBeGreaterThan(40);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toContain('solanum-lycopersicum');
    // Without a category: flowers and fruit too; houseplants without any calendar data are left out.
    const all = await calendar(plot.id, '?year=2026&limit=500');
    const keys = (all.body.data as Json[]).map((r) => r.species.key);
    expect(keys).toEqual(expect.arrayContaining(['tagetes-erecta', 'malus-domestica', 'tulipa-gesneriana']));
    expect(keys).not.toContain('monstera-deliciosa');
  });

  it('moves the catalogue’s months six months for a southern site (Melbourne, 37.8° S)', async () => {
    const melbourne = await site({ name: 'Melbourne', geometry: { type: 'Point', coordinates: [144.96, -37.81] } });
    const res = await calendar(melbourne.id, '?year=2026&species=solanum-lycopersicum');
    expect(res.body).toMatchObject({
      hemisphere: 'south',
      climate: 'temperate',
      frost: { last: '11-01', first: '04-15', safe: '11-15' },
    });
    expect((res.body.defaults as Json[]).map((d) => d.name)).toEqual([
      'last_frost',
      'first_frost',
      'frost_safe',
      'southern_months',
    ]);
    const tomato = row(res.body, 'solanum-lycopersicum');
    expect(tomato.indoor_sowing).toEqual([w('2026-09-13', '2026-10-31')]);
    expect(tomato.harvest).toEqual([w('2026-01-01', '2026-04-30')]);
  });

  it('is readable by a viewer', async () => {
    const plot = await site({ name: 'Viewer plot', geometry: square(104.9, 11.5) });
    const res = await calendar(plot.id, '?species=oryza-sativa');
    expect(res.status).toBe(200);
    const asViewer = await api('GET', `/locations/${plot.id}/sowing-calendar?species=oryza-sativa`, undefined, viewer);
    expect(asViewer.status).toBe(200);
    expect(asViewer.body).toEqual(res.body);
  });

  it('answers 404 for a place that is not a site and for another farm’s site', async () => {
    const field = (await api('POST', '/locations', { type: 'field', name: 'Lone field', geometry: square(8, 50) }))
      .body;
    const notSite = await calendar(field.id, '?year=2026');
    expect(notSite.status).toBe(404);
    expect(notSite.body.error_code).toBe('NOT_FOUND');
    const other = await createFarm(t.app, admin, 'Other farm');
    const theirs = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${other.slug}/locations`,
      headers: admin.headers,
      payload: { type: 'site', name: 'Their site', geometry: square(8, 50) },
    });
    expect(theirs.statusCode).toBe(201);
    expect((await calendar(theirs.json().id, '?year=2026')).status).toBe(404);
    expect((await calendar('00000000-0000-4000-8000-000000000000', '?year=2026')).status).toBe(404);
  });

  it('refuses a bad query, naming the field', async () => {
    const plot = await site({ name: 'Query plot', geometry: square(8, 50) });
    const fifty = Array.from({ length: 51 }, (_, i) => `species-${i}`).join(',');
    const cases: Array<[string, string]> = [
      ['?year=abc', 'year'],
      ['?year=1800', 'year'],
      ['?year=2026.5', 'year'],
      ['?species=Solanum_lycopersicum', 'species'],
      ['?species=solanum-lycopersicum,no-such-plant', 'no-such-plant'],
      [`?species=${fifty}`, 'species'],
      ['?category=weeds', 'category'],
      ['?limit=0', 'limit'],
      ['?colour=red', 'colour'],
    ];
    for (const [query, name] of cases) {
      const res = await calendar(plot.id, query);
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(JSON.stringify(res.body), query).toContain(name);
    }
    expect((await api('GET', '/locations/not-a-uuid/sowing-calendar')).status).toBe(400);
  });
});
