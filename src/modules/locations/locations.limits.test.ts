import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { login, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { LOCATION_LIMITS } from './locations.engine.js';

const { levels: LEVELS, positions: POSITIONS } = LOCATION_LIMITS;
let t: TestApp;
let admin: Actor;
let farm: FarmRef;

beforeAll(async () => {
  t = await createTestApp();
  // The shipped types allow at most 8 levels; a zone in a zone lets a test reach the bound. The rules
  // are read once per process, so this comes before the first location.
  await t.deps.db.raw.executeSql(
    "insert into location_type_rules (parent_type, child_type) values ('zone', 'zone') on conflict do nothing",
  );
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

const headers = async () => (await login(t.app, admin.email)).headers;
const url = (path = '') => `/api/v1/farms/${farm.slug}/locations${path}`;
async function send(method: 'POST' | 'PATCH', path: string, payload: unknown) {
  return t.app.inject({ method, url: url(path), headers: await headers(), payload: payload as object });
}

/** A closed ring of `n` positions (the last equal to the first) around (104.9, 11.5): a valid polygon. */
const circle = (n: number) => {
  const ring = Array.from({ length: n - 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / (n - 1);
    return [104.9 + 0.001 * Math.cos(a), 11.5 + 0.001 * Math.sin(a)];
  });
  return { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
};

describe('how deep the tree may go', () => {
  const chain: Array<{ id: string; depth: number }> = [];

  beforeAll(async () => {
    const site = await send('POST', '', { name: 'Deep site', type: 'site' });
    chain.push(site.json());
    while (chain.length < LOCATION_LIMITS.levels) {
      const res = await send('POST', '', { name: `Zone ${chain.length}`, type: 'zone', parent_id: chain.at(-1)!.id });
      expect(res.statusCode, res.body).toBe(201);
      chain.push(res.json());
    }
  });

  it(`takes ${LOCATION_LIMITS.levels} levels and refuses one more, naming the limit`, async () => {
    expect(chain.at(-1)!.depth).toBe(LOCATION_LIMITS.levels - 1);
    const res = await send('POST', '', { name: 'Too deep', type: 'zone', parent_id: chain.at(-1)!.id });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      error_id: expect.any(String),
      error_code: 'TREE_TOO_DEEP',
      message: `The tree may have at most ${LEVELS} levels: this would make ${LEVELS + 1}`,
      details: { limit: LOCATION_LIMITS.levels, levels: LOCATION_LIMITS.levels + 1 },
    });
  });

  it('counts what moves along under a place', async () => {
    const top = (await send('POST', '', { name: 'Mover', type: 'zone', parent_id: chain[0]!.id })).json();
    await send('POST', '', { name: 'Under mover', type: 'zone', parent_id: top.id });
    // Under the second-deepest place the mover would sit at the last level, its child one beyond.
    const tooDeep = await send('PATCH', `/${top.id}`, { parent_id: chain.at(-2)!.id });
    expect(tooDeep.statusCode).toBe(422);
    expect(tooDeep.json()).toMatchObject({
      error_code: 'TREE_TOO_DEEP',
      details: { limit: LOCATION_LIMITS.levels, levels: LOCATION_LIMITS.levels + 1 },
    });
    const fits = await send('PATCH', `/${top.id}`, { parent_id: chain.at(-3)!.id });
    expect(fits.statusCode, fits.body).toBe(200);
    expect(fits.json().depth).toBe(LOCATION_LIMITS.levels - 2);
  });

  it('refuses an import of a chain deeper than that, naming the feature, and writes nothing', async () => {
    const features = Array.from({ length: LOCATION_LIMITS.levels + 1 }, (_, i) => ({
      type: 'Feature',
      geometry: null,
      properties: {
        name: `Chain ${i}`,
        type: i === 0 ? 'site' : 'zone',
        code: `CHAIN-${i}`,
        ...(i > 0 ? { parent_code: `CHAIN-${i - 1}` } : {}),
      },
    }));
    const res = await send('POST', '/import', { type: 'FeatureCollection', features });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      error_code: 'TREE_TOO_DEEP',
      details: {
        limit: LOCATION_LIMITS.levels,
        feature: LOCATION_LIMITS.levels,
        code: `CHAIN-${LOCATION_LIMITS.levels}`,
      },
    });
    // The same codes again, one level fewer: taken, had the refused import written anything.
    const fits = await send('POST', '/import', { type: 'FeatureCollection', features: features.slice(0, -1) });
    expect(fits.statusCode, fits.body).toBe(201);
  });
});

describe('how big one geometry may be', () => {
  it(`takes ${LOCATION_LIMITS.positions} positions and refuses more, naming the limit`, async () => {
    const fits = await send('POST', '', {
      name: 'Round field',
      type: 'field',
      geometry: circle(LOCATION_LIMITS.positions),
    });
    expect(fits.statusCode, fits.body).toBe(201);
    const res = await send('POST', '', {
      name: 'Rounder field',
      type: 'field',
      geometry: circle(LOCATION_LIMITS.positions + 1),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_id: expect.any(String),
      error_code: 'GEOMETRY_TOO_LARGE',
      message: `The geometry has ${POSITIONS + 1} positions: at most ${POSITIONS} are allowed in one place`,
      details: { limit: LOCATION_LIMITS.positions, positions: LOCATION_LIMITS.positions + 1 },
    });
    const reshaped = await send('PATCH', `/${fits.json().id}`, { geometry: circle(LOCATION_LIMITS.positions + 1) });
    expect(reshaped.json()).toMatchObject({ error_code: 'GEOMETRY_TOO_LARGE' });
  });

  it('counts every polygon of a multipolygon, and names the feature of an import', async () => {
    const half = circle(LOCATION_LIMITS.positions / 2 + 1).coordinates;
    const res = await send('POST', '/import', {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'MultiPolygon', coordinates: [half, half] },
          properties: { name: 'Two rounds', type: 'field', code: 'ROUNDS' },
        },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error_code: 'GEOMETRY_TOO_LARGE',
      details: {
        limit: LOCATION_LIMITS.positions,
        positions: LOCATION_LIMITS.positions + 2,
        feature: 0,
        code: 'ROUNDS',
      },
    });
  });
});

describe('how many features one import may bring', () => {
  it(`takes no more than ${LOCATION_LIMITS.importFeatures}, and says so`, async () => {
    const features = Array.from({ length: LOCATION_LIMITS.importFeatures + 1 }, (_, i) => ({
      type: 'Feature',
      geometry: null,
      properties: { name: `Tank ${i}`, type: 'tank' },
    }));
    const res = await send('POST', '/import', { type: 'FeatureCollection', features });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error_code: 'VALIDATION_FAILED',
      message: expect.stringContaining(String(LOCATION_LIMITS.importFeatures)),
      details: {
        fields: [{ field: 'body.features', message: expect.stringContaining(String(LOCATION_LIMITS.importFeatures)) }],
      },
    });
  });
});
