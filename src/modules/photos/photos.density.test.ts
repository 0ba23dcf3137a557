import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { createLocation, login, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import type { JobContext } from '../../platform/jobs/registry.js';
import { generateSyntheticTray } from './synthetic/tray.js';

/**
 * What a storage location's bins and stock config tell the counter (issue #25 item 5), through the real
 * pipeline on the counting process: the tray grid (empty containers counted), and the density fallback that
 * learns plants per m² from the photos counted by detection and counts a photo the detector cannot read.
 */
let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let dataDir: string;
const ids = { tray: '', bare: '', binType: '' };

async function api(method: string, url: string, payload?: unknown) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${farm.slug}${url}`,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const jobContext = (): JobContext => ({ id: randomUUID(), retryCount: 0, clock: t.clock, log: t.deps.log });

/** Uploads a photo of a place and runs the counting job on it; the finished session. */
async function counted(bytes: Buffer, locationId: string): Promise<Json> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/photos/${randomUUID()}?location_id=${locationId}`,
    headers: { ...admin.headers, 'content-type': 'image/jpeg' },
    payload: bytes,
  });
  expect(res.statusCode, res.body).toBe(201);
  const sessionId = (res.json() as Json).session_id as string;
  await t.registry.get('photos.count')!.handle({ farmId: farm.id, sessionId }, jobContext());
  return (await api('GET', `/photo-sessions/${sessionId}`)).body;
}

const densities = async () =>
  (
    await t.deps.db.farm(farm.id, (tx) =>
      sql<{
        bin_type_id: string;
        plants_per_m2: number;
        samples: number;
      }>`select bin_type_id, plants_per_m2, samples from photo_densities order by bin_type_id`.execute(tx),
    )
  ).rows;

/** Bare soil, nothing green: the detector finds no plant on it. */
const soil = (seed: number) =>
  sharp({ create: { width: 900, height: 675, channels: 3, background: { r: 110 + seed, g: 80, b: 50 } } })
    .jpeg()
    .toBuffer();

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'croft-photo-density-'));
  t = await createTestApp({ now: '2026-11-30T09:00:00Z', env: { CROFT_DATA_DIR: dataDir } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  const house = await createLocation(t.app, admin, farm, { name: 'Glasshouse', type: 'warehouse', code: 'GH' });
  const area = await createLocation(t.app, admin, farm, { name: 'Bay 1', type: 'storage_area', parent_id: house.id });
  const bench = async (name: string, code: string) => {
    const location = await createLocation(t.app, admin, farm, {
      name,
      code,
      type: 'storage_location',
      parent_id: area.id,
    });
    return location.id;
  };
  ids.tray = await bench('Tray bench', 'TB');
  ids.bare = await bench('Bare bench', 'BB');
  const category = (await api('POST', '/product-categories', { code: 'HERB', name: 'Herbs', ready_days: 60 })).body;
  const family = (await api('POST', '/product-families', { category: category.id, name: 'Basil' })).body;
  expect((await api('POST', '/products', { family: family.id, sku: 'BAS-GEN', name: 'Basil Genovese' })).status).toBe(
    201,
  );
  expect((await api('POST', '/packaging', { sku: 'P9', name: 'Pot 9 cm', type: 'pot' })).status).toBe(201);
  // One 10 × 12 tray of 60 × 40 cm on the tray bench; the bare bench has a config but no bin.
  const binType = await api('POST', '/stock/bin-types', {
    code: 'T120',
    name: 'Tray 120',
    category: 'seedling_tray',
    rows: 10,
    columns: 12,
    length_cm: 60,
    width_cm: 40,
  });
  expect(binType.status, JSON.stringify(binType.body)).toBe(201);
  ids.binType = binType.body.id;
  const bin = await createLocation(t.app, admin, farm, { name: 'Tray 1', type: 'storage_bin', parent_id: ids.tray });
  expect((await api('PUT', `/locations/${bin.id}/bin-type`, { bin_type: 'T120' })).status).toBe(200);
  // A second tray was there once: retired, it is no longer on the bench (one bin: the grid applies).
  const gone = await createLocation(t.app, admin, farm, { name: 'Tray 0', type: 'storage_bin', parent_id: ids.tray });
  expect((await api('PUT', `/locations/${gone.id}/bin-type`, { bin_type: 'T120' })).status).toBe(200);
  expect((await api('PATCH', `/locations/${gone.id}`, { status: 'retired' })).status).toBe(200);
  for (const place of [ids.tray, ids.bare])
    expect((await api('PUT', `/locations/${place}/stock-config`, { product: 'BAS-GEN', packaging: 'P9' })).status).toBe(
      200,
    );
});

afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('counting hints from the place', () => {
  let firstTotal: number;

  it('a tray photo is counted with its bin type’s grid (the empty pots found) and teaches the density', async () => {
    const tray = await generateSyntheticTray({ seed: 31, width: 1200, height: 900, detectableShare: 0.9 });
    const session = await counted(tray.jpeg, ids.tray);
    expect(session).toMatchObject({ status: 'completed', warnings: [] });
    expect(['detection', 'detection+band']).toContain(session.method);
    // The grid came from the bin type: the empty pots of the 10 × 12 tray are counted as such.
    expect(session.empty).toBe(tray.truth.empty);
    expect(Math.abs(session.total - tray.truth.plants) / tray.truth.plants).toBeLessThanOrEqual(0.2);
    firstTotal = session.total as number;
    // 0.6 m × 0.4 m: the density is the count over 0.24 m², from one photo.
    const [learnt] = await densities();
    expect(learnt).toMatchObject({ bin_type_id: ids.binType, samples: 1 });
    expect(learnt!.plants_per_m2).toBeCloseTo(firstTotal / 0.24, 6);
  });

  it('a photo the detector finds nothing on is counted from the learnt density (method density), and teaches nothing', async () => {
    const session = await counted(await soil(1), ids.tray);
    expect(session).toMatchObject({ status: 'completed', method: 'density', detected: 0, warnings: [] });
    expect(session.total).toBe(Math.round((firstTotal / 0.24) * 0.24));
    expect(session.confidence).toBeLessThan(0.5);
    expect((await densities())[0]).toMatchObject({ samples: 1 });
  });

  it('a second tray photo averages into the density', async () => {
    const tray = await generateSyntheticTray({ seed: 32, width: 1200, height: 900, detectableShare: 0.9 });
    const session = await counted(tray.jpeg, ids.tray);
    const [learnt] = await densities();
    expect(learnt!.samples).toBe(2);
    expect(learnt!.plants_per_m2).toBeCloseTo((firstTotal + (session.total as number)) / 2 / 0.24, 6);
  });

  it('where no density can apply (no bin, so no size), a photo with nothing found warns needs_calibration', async () => {
    const session = await counted(await soil(2), ids.bare);
    expect(session).toMatchObject({ status: 'completed', method: 'detection', total: 0 });
    expect(session.warnings).toEqual(['needs_calibration']);
  });
});
