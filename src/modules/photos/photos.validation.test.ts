import { randomUUID } from 'node:crypto';
import { generateSyntheticTray } from './synthetic/tray.js';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../../test/helpers/app.js';
import type { JobContext } from '../../platform/jobs/registry.js';
import type { Detection } from './counting/types.js';
import { PhotosService } from './photos.service.js';
import { validationMovementId } from './validate.service.js';
import {
  admin,
  api,
  box,
  farm,
  ids,
  other,
  put,
  sessionOf,
  shot,
  t,
  usePhotoFarm,
} from '../../../test/helpers/photo-farm.js';

/** A counted photo's detections (stored once, served as GeoJSON, kept 90 days) and its validation into the stock ledger. */
usePhotoFarm();

describe('detections and validation', () => {
  const jobContext = (retryCount: number): JobContext => ({
    id: randomUUID(),
    retryCount,
    clock: t.clock,
    log: t.deps.log,
  });
  /** A service whose counter answers these detections (and totals), for what counting itself need not show. */
  const countingAs = (detections: Detection[], total = detections.length) =>
    new PhotosService({
      ...t.deps,
      photoStorage: t.deps.services.photoStorage,
      countPhoto: () =>
        Promise.resolve({
          detections,
          detected: total,
          estimated: 0,
          empty: 0,
          total,
          method: 'test',
          confidence: 0.6,
        }),
    });
  const rowsOf = async (sessionId: string, on = farm) =>
    (
      await t.deps.db.farm(on.id, (tx) =>
        sql<{ n: number }>`select count(*)::int as n from photo_detections where session_id = ${sessionId}`.execute(tx),
      )
    ).rows[0]!.n;
  const partitions = async () =>
    (
      await t.deps.db.raw.executeSql(
        `select c.relname as name, has_table_privilege('croft_app', c.oid, 'select') as app
           from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'photo_detections'::regclass order by 1`,
      )
    ).rows as { name: string; app: boolean }[];

  let trayPhoto: { sessionId: string; total: number; detected: number };
  let batch: Json;

  beforeAll(async () => {
    // The bench photographed holds one active batch of 500, started before the photos were taken.
    const made = await api('POST', '/stock/batches', {
      movement_id: randomUUID(),
      location: ids.a,
      product: 'ECH-GRU',
      packaging: 'P8',
      quantity: 500,
      occurred_at: '2026-11-01T08:00:00Z',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    batch = made.body;
  });

  it('stores a counted tray’s detections once, even when the job runs twice', async () => {
    const tray = await generateSyntheticTray({ seed: 80, width: 800, height: 600, detectableShare: 0.9 });
    const { body } = await put(tray.jpeg, { query: `location_id=${ids.a}` });
    const job = t.registry.get('photos.count')!;
    await job.handle({ farmId: farm.id, sessionId: body.session_id }, jobContext(0));
    await job.handle({ farmId: farm.id, sessionId: body.session_id }, jobContext(0));
    const session = await sessionOf(body.session_id);
    expect(session).toMatchObject({ status: 'completed', attempts: 1, validation: null });
    const list = await api('GET', `/photo-sessions/${body.session_id}/detections`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ session_id: body.session_id, image: { width: 800, height: 600 } });
    const data = list.body.data as Json[];
    expect(data.filter((d) => d.class === 'plant')).toHaveLength(session.detected);
    expect(data.map((d) => d.n)).toEqual(data.map((_, i) => i));
    expect(await rowsOf(body.session_id)).toBe(data.length);
    for (const d of data) {
      expect(d.box.x1).toBeLessThan(d.box.x2);
      expect(d.box.y1).toBeLessThan(d.box.y2);
      expect(d.confidence).toBeGreaterThan(0);
    }
    trayPhoto = { sessionId: body.session_id, total: session.total, detected: session.detected };
  });

  it('a try redone after a crash replaces the earlier try’s detections, never adds to them', async () => {
    const { body } = await put(await shot({ seed: 81 }), { query: `location_id=${ids.a}` });
    await countingAs([0, 1, 2, 3, 4].map((i) => box(i))).process(farm.id, body.session_id, {
      retryCount: 0,
      retryLimit: 2,
    });
    expect(await rowsOf(body.session_id)).toBe(5);
    // A crashed attempt leaves the session processing; the next try claims it and counts again.
    await t.deps.db.farm(farm.id, (tx) =>
      tx.updateTable('photo_sessions').set({ status: 'processing' }).where('id', '=', body.session_id).execute(),
    );
    await countingAs([box(0), box(1, 'empty_container'), box(2)], 2).process(farm.id, body.session_id, {
      retryCount: 1,
      retryLimit: 2,
    });
    const list = (await api('GET', `/photo-sessions/${body.session_id}/detections`)).body;
    expect(list.data.map((d: Json) => [d.n, d.class])).toEqual([
      [0, 'plant'],
      [1, 'empty_container'],
      [2, 'plant'],
    ]);
    expect(await rowsOf(body.session_id)).toBe(3);
    expect(await sessionOf(body.session_id)).toMatchObject({ status: 'completed', total: 2, attempts: 2 });
  });

  it('serves the detections as GeoJSON in pixel coordinates; another farm’s session is 404', async () => {
    const list = (await api('GET', `/photo-sessions/${trayPhoto.sessionId}/detections`)).body;
    const geo = await api('GET', `/photo-sessions/${trayPhoto.sessionId}/detections?format=geojson`);
    expect(geo.status).toBe(200);
    expect(geo.body).toMatchObject({
      type: 'FeatureCollection',
      session_id: trayPhoto.sessionId,
      image: { width: 800, height: 600 },
    });
    expect(geo.body.features).toHaveLength(list.data.length);
    const [first] = geo.body.features as Json[];
    const { box: b, ...d } = list.data[0];
    expect(first).toEqual({
      type: 'Feature',
      id: 0,
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [b.x1, b.y1],
            [b.x2, b.y1],
            [b.x2, b.y2],
            [b.x1, b.y2],
            [b.x1, b.y1],
          ],
        ],
      },
      properties: { class: d.class, confidence: d.confidence, area: d.area, cx: d.cx, cy: d.cy },
    });
    for (const url of ['', '?format=geojson'])
      expect(
        (await api('GET', `/photo-sessions/${trayPhoto.sessionId}/detections${url}`, undefined, other)).status,
      ).toBe(404);
    expect((await api('GET', `/photo-sessions/${randomUUID()}/detections`)).status).toBe(404);
    // Row-level security holds through the partitions: another farm's scope sees none of these rows.
    expect(await rowsOf(trayPhoto.sessionId, other)).toBe(0);
  });

  it('validate writes one photo count into the stock ledger at the photo’s time (source ai); again: 409', async () => {
    const res = await api('POST', `/photo-sessions/${trayPhoto.sessionId}/validate`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { session, stock_count: count } = res.body;
    expect(count).toMatchObject({
      batch_id: batch.id,
      counted: trayPhoto.total,
      expected: 500,
      difference: trayPhoto.total - 500,
      counted_at: '2026-11-30T09:00:00.000Z',
    });
    expect(count.movement_id).toBe(count.id);
    expect(session.validation).toMatchObject({
      validated_at: '2026-11-30T09:00:00.000Z',
      validated_by: admin.userId,
      count: trayPhoto.total,
      source: 'ai',
      note: null,
      stock_count_id: count.id,
      movement_id: count.id,
    });
    expect((await sessionOf(trayPhoto.sessionId)).validation).toEqual(session.validation);
    // The ledger: the batch holds the photo's count, by one movement from the photo.
    expect((await api('GET', `/stock/batches/${batch.id}`)).body.quantity).toBe(trayPhoto.total);
    const moves = (await api('GET', `/stock/batches/${batch.id}/movements`)).body.data as Json[];
    expect(moves).toHaveLength(2);
    expect(moves.find((m) => m.id === count.id)).toMatchObject({ source: 'ai' });

    // Sent again (a retry after success): 409 naming the movement, nothing more written.
    const again = await api('POST', `/photo-sessions/${trayPhoto.sessionId}/validate`, {});
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('ALREADY_VALIDATED');
    expect(again.body.details).toMatchObject({ movement_id: count.id, stock_count_id: count.id });
    const corrected = await api('POST', `/photo-sessions/${trayPhoto.sessionId}/validate`, { count: 3 });
    expect(corrected.body.error_code).toBe('ALREADY_VALIDATED');
    expect((await api('GET', `/stock/batches/${batch.id}/movements`)).body.data).toHaveLength(2);
    expect((await api('GET', `/stock/batches/${batch.id}`)).body.quantity).toBe(trayPhoto.total);
    expect((await api('POST', `/photo-sessions/${trayPhoto.sessionId}/validate`, {}, other)).status).toBe(404);
  });

  it('a corrected count is posted as manual, with its note', async () => {
    const { body } = await put(await shot({ seed: 82 }), { query: `location_id=${ids.a}` });
    await countingAs([box(0), box(1)], 9).process(farm.id, body.session_id, { retryCount: 0, retryLimit: 2 });
    const res = await api('POST', `/photo-sessions/${body.session_id}/validate`, {
      count: 120,
      note: 'three trays behind the post',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.session.validation).toMatchObject({
      count: 120,
      source: 'manual',
      note: 'three trays behind the post',
    });
    expect(res.body.stock_count).toMatchObject({ counted: 120, expected: trayPhoto.total });
    expect((await api('GET', `/stock/batches/${batch.id}`)).body.quantity).toBe(120);
    const moves = (await api('GET', `/stock/batches/${batch.id}/movements`)).body.data as Json[];
    expect(moves).toHaveLength(3);
    expect(moves.find((m) => m.id === res.body.stock_count.id)).toMatchObject({ source: 'manual' });
  });

  it('refuses a session not yet counted (409) and one whose place is unknown (422) until PATCH sets it', async () => {
    const pending = await put(await shot({ seed: 83 }), { query: `location_id=${ids.a}` });
    const early = await api('POST', `/photo-sessions/${pending.body.session_id}/validate`, {});
    expect(early.status).toBe(409);
    expect(early.body.error_code).toBe('SESSION_NOT_COMPLETED');

    const { body } = await put(await shot({ seed: 84 }));
    expect(body.warnings).toEqual(['needs_location']);
    await countingAs([box(0)], 100).process(farm.id, body.session_id, { retryCount: 0, retryLimit: 2 });
    const unplaced = await api('POST', `/photo-sessions/${body.session_id}/validate`, {});
    expect(unplaced.status).toBe(422);
    expect(unplaced.body.error_code).toBe('NEEDS_LOCATION');
    expect((await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.a })).status).toBe(200);
    const placed = await api('POST', `/photo-sessions/${body.session_id}/validate`, {});
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.session.validation).toMatchObject({ count: 100, source: 'ai' });
    expect((await api('GET', `/stock/batches/${batch.id}`)).body.quantity).toBe(100);
  });

  it('two validations at once, or one resumed after the ledger took its count, write one count', async () => {
    const moves = async () => ((await api('GET', `/stock/batches/${batch.id}/movements`)).body.data as Json[]).length;
    const { body: raced } = await put(await shot({ seed: 87 }), { query: `location_id=${ids.a}` });
    await countingAs([box(0)], 60).process(farm.id, raced.session_id, { retryCount: 0, retryLimit: 2 });
    const before = await moves();
    const both = await Promise.all([
      api('POST', `/photo-sessions/${raced.session_id}/validate`, {}),
      api('POST', `/photo-sessions/${raced.session_id}/validate`, { count: 61 }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.status === 409)!.body.error_code).toBe('ALREADY_VALIDATED');
    expect(await moves()).toBe(before + 1);

    // The ledger took the session's count, then the process stopped before the session recorded it: the same
    // validation sent again finds that count and records it, writing no second one.
    const { body: halfway } = await put(await shot({ seed: 88 }), { query: `location_id=${ids.a}` });
    await countingAs([box(0)], 70).process(farm.id, halfway.session_id, { retryCount: 0, retryLimit: 2 });
    const id = validationMovementId(farm.id, halfway.session_id);
    const taken = await api('POST', '/stock/counts', {
      movement_id: id,
      location_id: ids.a,
      counted: 70,
      counted_at: '2026-11-30T09:00:00.000Z',
      source: 'ai',
    });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const resumed = await api('POST', `/photo-sessions/${halfway.session_id}/validate`, {});
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(201);
    expect(resumed.body.stock_count).toMatchObject({ id, counted: 70, movement_id: id });
    expect(resumed.body.session.validation).toMatchObject({ count: 70, source: 'ai', movement_id: id });
    expect(await moves()).toBe(before + 2);
    expect((await api('GET', `/stock/batches/${batch.id}`)).body.quantity).toBe(70);
  });

  it('drops the detections’ daily partitions older than 90 days (nightly job), keeps recent ones', async () => {
    const today = t.clock.now();
    try {
      t.clock.set('2026-08-01T10:00:00Z');
      const old = await put(await shot({ seed: 85 }));
      await countingAs([box(0), box(1)]).process(farm.id, old.body.session_id, { retryCount: 0, retryLimit: 2 });
      expect(await rowsOf(old.body.session_id)).toBe(2);
      t.clock.set('2026-10-31T23:00:00Z'); // 91 days on: that day is past the 90
      const recent = await put(await shot({ seed: 86 }));
      await countingAs([box(0)]).process(farm.id, recent.body.session_id, { retryCount: 0, retryLimit: 2 });
      const before = await partitions();
      expect(before.map((p) => p.name)).toEqual(
        expect.arrayContaining([
          'photo_detections_d20260801',
          'photo_detections_d20261031',
          'photo_detections_d20261130',
        ]),
      );
      // The app role reaches the rows only through the parent, where the farm policy applies.
      expect(before.every((p) => !p.app)).toBe(true);

      await t.registry.get('photos.detections-retention')!.handle({}, jobContext(0));
      const after = (await partitions()).map((p) => p.name);
      expect(after).not.toContain('photo_detections_d20260801');
      expect(after).toEqual(expect.arrayContaining(['photo_detections_d20261031', 'photo_detections_d20261130']));
      expect((await api('GET', `/photo-sessions/${old.body.session_id}/detections`)).body.data).toEqual([]);
      expect((await api('GET', `/photo-sessions/${recent.body.session_id}/detections`)).body.data).toHaveLength(1);
      expect((await api('GET', `/photo-sessions/${trayPhoto.sessionId}/detections`)).body.data.length).toBe(
        await rowsOf(trayPhoto.sessionId),
      );
      // The session itself stays, its counts with it.
      expect(await sessionOf(old.body.session_id)).toMatchObject({ status: 'completed', total: 2 });
    } finally {
      t.clock.set(today);
    }
  });
});
