import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;

/** A square of `size` degrees with its south-west corner at (lon, lat). */
const square = (lon: number, lat: number, size: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [lon, lat],
      [lon + size, lat],
      [lon + size, lat + size],
      [lon, lat + size],
      [lon, lat],
    ],
  ],
});

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

const headers = async () => (await login(t.app, admin.email)).headers;
const url = (path = '') => `/api/v1/farms/${farm.slug}/locations${path}`;
async function create(body: Record<string, unknown>, expected = 201) {
  const res = await t.app.inject({ method: 'POST', url: url(), headers: await headers(), payload: body });
  expect(res.statusCode, res.body).toBe(expected);
  return res.json();
}

describe('the location tree', () => {
  let site: { id: string };
  let greenhouse: { id: string; area_m2: number; centroid: { coordinates: number[] } };
  let bed: { id: string };

  beforeAll(async () => {
    site = await create({ name: 'Home Site', type: 'site', code: 'SITE', geometry: square(104.9, 11.5, 0.01) });
    greenhouse = await create({
      name: 'Greenhouse 1',
      type: 'greenhouse',
      parent_id: site.id,
      code: 'GH1',
      geometry: square(104.901, 11.501, 0.001),
    });
    bed = await create({
      name: 'Bed A',
      type: 'bed',
      parent_id: greenhouse.id,
      code: 'GH1-A',
      geometry: square(104.9011, 11.5011, 0.0001),
      capacity: 40,
    });
    await create({ name: 'Slot 1', type: 'slot', parent_id: bed.id });
    await create({ name: 'Slot 2', type: 'slot', parent_id: bed.id });
  });

  it('computes area on the sphere and the centroid', () => {
    // 0.001° × 0.001° at 11.5°N: about 111.3 m × 109.1 m.
    expect(greenhouse.area_m2).toBeGreaterThan(12_000);
    expect(greenhouse.area_m2).toBeLessThan(12_300);
    expect(greenhouse.centroid.coordinates[0]).toBeCloseTo(104.9015, 6);
    expect(greenhouse.centroid.coordinates[1]).toBeCloseTo(11.5015, 6);
  });

  it('refuses a type where the rules do not allow it, as data says', async () => {
    const res = await create({ name: 'Stray slot', type: 'slot' }, 422);
    expect(res.error_code).toBe('TYPE_NOT_ALLOWED');
    const wrongParent = await create({ name: 'Bin', type: 'storage_bin', parent_id: bed.id }, 422);
    expect(wrongParent.message).toContain('a storage_bin cannot sit under a bed');
    expect((await create({ name: 'X', type: 'castle' }, 400)).error_code).toBe('VALIDATION_FAILED');
    const types = await t.app.inject({ method: 'GET', url: '/api/v1/location-types', headers: await headers() });
    expect(types.json().data.find((x: { type: string }) => x.type === 'bed').children).toEqual(['row', 'slot', 'zone']);
  });

  it('refuses self-intersecting and out-of-range geometry', async () => {
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [104.9, 11.5],
          [104.91, 11.51],
          [104.91, 11.5],
          [104.9, 11.51],
          [104.9, 11.5],
        ],
      ],
    };
    const res = await create({ name: 'Bowtie', type: 'field', geometry: bowtie }, 422);
    expect(res).toMatchObject({
      error_code: 'GEOMETRY_INVALID',
      details: { reason: expect.stringContaining('Self-intersection') },
    });
    expect(
      (await create({ name: 'Swapped', type: 'field', geometry: { type: 'Point', coordinates: [11.5, 104.9] } }, 422))
        .error_code,
    ).toBe('GEOMETRY_INVALID');
    expect(
      (
        await create(
          {
            name: 'Line',
            type: 'field',
            geometry: {
              type: 'LineString',
              coordinates: [
                [0, 0],
                [1, 1],
              ],
            },
          },
          400,
        )
      ).error_code,
    ).toBe('VALIDATION_FAILED');
  });

  // Found by test/fuzz.api.test.ts (seed 20260601, case 39: POST …/locations with geometry
  // {"type":"Point","coordinates":[51.5,46.5,8]}): the 2D column refused the altitude as a 500.
  it('takes positions with an altitude, as GeoJSON allows, and keeps longitude and latitude', async () => {
    const point = await create({
      name: 'Well',
      type: 'field',
      geometry: { type: 'Point', coordinates: [104.9, 11.5, 8] },
    });
    expect(point.geometry).toEqual({ type: 'Point', coordinates: [104.9, 11.5] });
    const ring = square(104.95, 11.55, 0.001).coordinates[0]!.map(([lon, lat], i) =>
      i % 2 ? [lon, lat, 12.5] : [lon, lat],
    );
    const plot = await create({ name: 'Terrace', type: 'field', geometry: { type: 'Polygon', coordinates: [ring] } });
    expect(plot.geometry.coordinates[0].map((p: number[]) => p.length)).toEqual([2, 2, 2, 2, 2]);
    expect(plot.area_m2).toBeGreaterThan(0);
    const res = await t.app.inject({
      method: 'POST',
      url: url('/import'),
      headers: await headers(),
      payload: {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [104.97, 11.57, 90] },
            properties: { name: 'Gate', type: 'site' },
          },
        ],
      },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  });

  it('lists children, the whole subtree, all of one type, and the breadcrumb', async () => {
    const h = await headers();
    const children = await t.app.inject({ method: 'GET', url: url(`?parent_id=${bed.id}`), headers: h });
    expect(
      children
        .json()
        .data.map((l: { name: string }) => l.name)
        .sort(),
    ).toEqual(['Slot 1', 'Slot 2']);
    const roots = await t.app.inject({ method: 'GET', url: url('?parent_id=root'), headers: h });
    expect(roots.json().data.map((l: { name: string }) => l.name)).toContain('Home Site');
    const subtree = await t.app.inject({ method: 'GET', url: url(`/${site.id}/subtree`), headers: h });
    expect(subtree.json().data.map((l: { name: string }) => l.name)).toEqual([
      'Greenhouse 1',
      'Bed A',
      'Slot 1',
      'Slot 2',
    ]);
    const slots = await t.app.inject({ method: 'GET', url: url(`/${site.id}/subtree?type=slot`), headers: h });
    expect(slots.json().data).toHaveLength(2);
    const slot = slots.json().data[0];
    expect(slot.depth).toBe(3);
    const crumbs = await t.app.inject({ method: 'GET', url: url(`/${slot.id}/ancestors`), headers: h });
    expect(crumbs.json().data.map((l: { name: string }) => l.name)).toEqual(['Home Site', 'Greenhouse 1', 'Bed A']);
  });

  it('moves a subtree, and refuses to move a location under itself', async () => {
    const h = await headers();
    const field = await create({ name: 'Field North', type: 'field', code: 'FN' });
    const cycle = await t.app.inject({
      method: 'PATCH',
      url: url(`/${greenhouse.id}`),
      headers: h,
      payload: { parent_id: bed.id },
    });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().error_code).toBe('LOCATION_CYCLE');
    const self = await t.app.inject({
      method: 'PATCH',
      url: url(`/${bed.id}`),
      headers: h,
      payload: { parent_id: bed.id },
    });
    expect(self.json().error_code).toBe('LOCATION_CYCLE');
    const moved = await t.app.inject({
      method: 'PATCH',
      url: url(`/${bed.id}`),
      headers: h,
      payload: { parent_id: field.id, name: 'Bed A (moved)' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ parent_id: field.id, name: 'Bed A (moved)', depth: 1 });
    const slots = await t.app.inject({ method: 'GET', url: url(`/${field.id}/subtree?type=slot`), headers: h });
    expect(slots.json().data.map((s: { depth: number }) => s.depth)).toEqual([2, 2]);
    const crumbs = await t.app.inject({ method: 'GET', url: url(`/${slots.json().data[0].id}/ancestors`), headers: h });
    expect(crumbs.json().data.map((l: { name: string }) => l.name)).toEqual(['Field North', 'Bed A (moved)']);
    expect(
      (await t.app.inject({ method: 'GET', url: url(`/${site.id}/subtree?type=slot`), headers: h })).json().data,
    ).toEqual([]);
    // Back where it was, for the tests below.
    const back = await t.app.inject({
      method: 'PATCH',
      url: url(`/${bed.id}`),
      headers: h,
      payload: { parent_id: greenhouse.id, name: 'Bed A' },
    });
    expect(back.json()).toMatchObject({ parent_id: greenhouse.id, depth: 2 });
    const top = await t.app.inject({
      method: 'PATCH',
      url: url(`/${field.id}`),
      headers: h,
      payload: { parent_id: null },
    });
    expect(top.statusCode).toBe(200);
    expect(top.json()).toMatchObject({ parent_id: null, depth: 0 });
  });

  it('deletes only what nothing lives in', async () => {
    const h = await headers();
    const busy = await t.app.inject({ method: 'DELETE', url: url(`/${greenhouse.id}`), headers: h });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error_code).toBe('LOCATION_NOT_EMPTY');
    const lonely = await create({ name: 'Tank', type: 'tank' });
    expect((await t.app.inject({ method: 'DELETE', url: url(`/${lonely.id}`), headers: h })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: url(`/${lonely.id}`), headers: h })).statusCode).toBe(404);
  });

  it('retires a location, which then no longer answers GPS lookups', async () => {
    const h = await headers();
    const plot = await create({ name: 'Old plot', type: 'field', geometry: square(105.5, 12.5, 0.001) });
    const before = await t.app.inject({ method: 'GET', url: url('/lookup?lat=12.5005&lon=105.5005'), headers: h });
    expect(before.json().location.id).toBe(plot.id);
    await t.app.inject({ method: 'PATCH', url: url(`/${plot.id}`), headers: h, payload: { status: 'retired' } });
    expect(
      (await t.app.inject({ method: 'GET', url: url('/lookup?lat=12.5005&lon=105.5005'), headers: h })).statusCode,
    ).toBe(404);
  });

  it('finds the deepest location at a GPS point, with its ancestors', async () => {
    const h = await headers();
    const res = await t.app.inject({ method: 'GET', url: url('/lookup?lat=11.50115&lon=104.90115'), headers: h });
    expect(res.statusCode).toBe(200);
    expect(res.json().location.name).toBe('Bed A');
    expect(res.json().ancestors.map((l: { name: string }) => l.name)).toEqual(['Home Site', 'Greenhouse 1']);
    const inSite = await t.app.inject({ method: 'GET', url: url('/lookup?lat=11.505&lon=104.905'), headers: h });
    expect(inSite.json().location.name).toBe('Home Site');
    const nowhere = await t.app.inject({ method: 'GET', url: url('/lookup?lat=0&lon=0'), headers: h });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json().error_code).toBe('NOT_FOUND');
  });

  it('serves a QR label that opens the location, and finds it by its code', async () => {
    const h = await headers();
    const row = (await t.app.inject({ method: 'GET', url: url(`/${bed.id}`), headers: h })).json();
    const svg = await t.app.inject({ method: 'GET', url: url(`/${bed.id}/qr.svg`), headers: h });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body).toMatch(/^<svg /);
    expect(svg.body).toContain('Bed A');
    const byQr = await t.app.inject({ method: 'GET', url: url(`/by-qr/${row.qr_code}`), headers: h });
    expect(byQr.json().id).toBe(bed.id);
  });
});

describe('adjacency', () => {
  it('comes from stored edges and from polygons within half a metre', async () => {
    const h = await headers();
    const field = await create({ name: 'Adjacency field', type: 'field' });
    // Two beds 0.3 m apart (≈ 0.0000027° of longitude), one far away.
    const west = await create({
      name: 'West bed',
      type: 'bed',
      parent_id: field.id,
      geometry: square(106, 13, 0.0001),
    });
    const east = await create({
      name: 'East bed',
      type: 'bed',
      parent_id: field.id,
      geometry: square(106.0001027, 13, 0.0001),
    });
    const far = await create({
      name: 'Far bed',
      type: 'bed',
      parent_id: field.id,
      geometry: square(106.01, 13, 0.0001),
    });
    const near = await t.app.inject({ method: 'GET', url: url(`/${west.id}/adjacent`), headers: h });
    expect(
      near.json().data.map((a: { location: { name: string }; source: string }) => [a.location.name, a.source]),
    ).toEqual([['East bed', 'geometry']]);
    expect(
      (await t.app.inject({ method: 'PUT', url: url(`/${far.id}/adjacent/${west.id}`), headers: h })).statusCode,
    ).toBe(204);
    const both = await t.app.inject({ method: 'GET', url: url(`/${west.id}/adjacent`), headers: h });
    expect(
      both.json().data.map((a: { location: { name: string }; source: string }) => [a.location.name, a.source]),
    ).toEqual([
      ['East bed', 'geometry'],
      ['Far bed', 'edge'],
    ]);
    expect(
      (await t.app.inject({ method: 'DELETE', url: url(`/${west.id}/adjacent/${far.id}`), headers: h })).statusCode,
    ).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: url(`/${west.id}/adjacent/${far.id}`), headers: h })).statusCode,
    ).toBe(404);
    expect(east.id).toBeDefined();
  });
});

describe('import and export', () => {
  const layout = (prefix: string) => ({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        geometry: square(107, 14, 0.0001),
        properties: { name: 'Bin 1', type: 'storage_bin', code: `${prefix}-B1`, parent_code: `${prefix}-L1` },
      },
      {
        type: 'Feature',
        geometry: square(107, 14, 0.001),
        properties: { name: 'Area North', type: 'storage_area', code: `${prefix}-AN`, parent_code: `${prefix}-W` },
      },
      {
        type: 'Feature',
        geometry: square(107, 14, 0.01),
        properties: { name: 'Warehouse', type: 'warehouse', code: `${prefix}-W` },
      },
      {
        type: 'Feature',
        geometry: square(107, 14, 0.0005),
        properties: { name: 'Location 1', type: 'storage_location', code: `${prefix}-L1`, parent_code: `${prefix}-AN` },
      },
    ],
  });

  it('creates a whole layout in one request, parents by code in any order', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: url('/import'),
      headers: await headers(),
      payload: layout('IMP'),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data.map((l: { name: string; depth: number }) => [l.name, l.depth])).toEqual([
      ['Warehouse', 0],
      ['Area North', 1],
      ['Location 1', 2],
      ['Bin 1', 3],
    ]);
    const lookup = await t.app.inject({
      method: 'GET',
      url: url('/lookup?lat=14.00005&lon=107.00005'),
      headers: await headers(),
    });
    expect(lookup.json().location.name).toBe('Bin 1');
  });

  it('writes nothing when one feature is wrong, and names it', async () => {
    const bad = layout('BAD');
    bad.features[3]!.properties.type = 'slot';
    const res = await t.app.inject({ method: 'POST', url: url('/import'), headers: await headers(), payload: bad });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error_code: 'TYPE_NOT_ALLOWED', details: { feature: 3, code: 'BAD-L1' } });
    expect(res.json().message).toMatch(/^Feature 3 \(BAD-L1\)/);
    const codes = await t.deps.db.farm(farm.id, (tx) =>
      sql<{ n: number }>`select count(*)::int as n from locations where code like 'BAD-%'`.execute(tx),
    );
    expect(codes.rows[0]!.n).toBe(0);
    const dup = layout('IMP');
    const again = await t.app.inject({ method: 'POST', url: url('/import'), headers: await headers(), payload: dup });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error_code: 'IMPORT_INVALID', details: { feature: 0 } });
  });

  it('exports what import reads back', async () => {
    const exported = await t.app.inject({ method: 'GET', url: url('/export'), headers: await headers() });
    const collection = exported.json();
    const bin = collection.features.find((f: { properties: { code: string } }) => f.properties.code === 'IMP-B1');
    expect(bin).toMatchObject({
      type: 'Feature',
      geometry: { type: 'Polygon' },
      properties: { parent_code: 'IMP-L1', type: 'storage_bin' },
    });
    const other = await createFarm(t.app, await login(t.app, admin.email), 'Copy Farm');
    const copy = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${other.slug}/locations/import`,
      headers: await headers(),
      payload: collection,
    });
    expect(copy.statusCode, copy.body).toBe(201);
    expect(copy.json().data).toHaveLength(collection.features.length);
  });
});

describe('under row-level security', () => {
  it('still uses the spatial index for GPS lookups (the bounding-box operator is leakproof)', async () => {
    const plan = await t.deps.db.farm(farm.id, (tx) =>
      sql<{ 'QUERY PLAN': string }>`explain select id from locations
      where farm_id = ${farm.id} and geometry && ST_SetSRID(ST_MakePoint(104.9, 11.5), 4326)`.execute(tx),
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Cond: \(geometry && /);
  });

  it("refuses to delete a location another module's rows still point at (409)", async () => {
    await t.deps.db.raw
      .executeSql(`create table if not exists location_probe (location_id uuid references locations (id) on delete restrict);
      grant select, insert, delete on location_probe to croft_app;`);
    const tank = await create({ name: 'Probe tank', type: 'tank' });
    await t.deps.db.raw.executeSql('insert into location_probe values ($1)', [tank.id]);
    const res = await t.app.inject({ method: 'DELETE', url: url(`/${tank.id}`), headers: await headers() });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error_code).toBe('IN_USE');
  });
});

describe('access', () => {
  it('lets workers read and only managers and above change the tree', async () => {
    const worker = await member(t.app, await login(t.app, admin.email), farm, 'worker', 'loc-worker');
    expect((await t.app.inject({ method: 'GET', url: url(), headers: worker.headers })).statusCode).toBe(200);
    const res = await t.app.inject({
      method: 'POST',
      url: url(),
      headers: worker.headers,
      payload: { name: 'x', type: 'site' },
    });
    expect(res.statusCode).toBe(403);
  });

  it('answers 404 for a parent in another farm', async () => {
    const other = await createFarm(t.app, await login(t.app, admin.email), 'Parent Elsewhere');
    const foreign = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${other.slug}/locations`,
      headers: await headers(),
      payload: { name: 'Their site', type: 'site' },
    });
    const res = await create({ name: 'Mine', type: 'field', parent_id: foreign.json().id }, 404);
    expect(res.error_code).toBe('NOT_FOUND');
  });
});
