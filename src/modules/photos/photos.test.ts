import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { generateSyntheticTray } from './synthetic/tray.js';
import { describe, expect, it } from 'vitest';
import { sendHeadOnly } from '../../../test/helpers/raw-http.js';
import type { JobContext } from '../../platform/jobs/registry.js';
import { PhotosService } from './photos.service.js';
import {
  admin,
  api,
  box,
  DLAT,
  DLON,
  farm,
  ids,
  LAT,
  LON,
  other,
  pngClaiming,
  put,
  sessionOf,
  sha,
  shot,
  t,
  usePhotoFarm,
} from '../../../test/helpers/photo-farm.js';

/** Photos through the API: upload and its refusals, EXIF, the place, sessions, the image served back. */
usePhotoFarm();

describe('upload', () => {
  it.each(['jpeg', 'png', 'webp'] as const)(
    'takes a %s, judged by its bytes, and names its session',
    async (format) => {
      const bytes = await shot({ format, seed: format.length });
      const { status, body, id } = await put(bytes, { type: 'application/octet-stream' });
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({
        id,
        content_type: `image/${format}`,
        byte_size: bytes.length,
        sha256: sha(bytes),
        width: 96,
        height: 64,
        taken_at: '2026-11-30T09:00:00.000Z',
        taken_at_source: 'upload',
        gps: null,
        location_id: null,
        location_source: null,
        warnings: ['needs_location'],
      });
      const session = await sessionOf(body.session_id);
      expect(session).toMatchObject({
        photo_id: id,
        status: 'pending',
        warnings: ['needs_location'],
        total: null,
        error_code: null,
      });
      expect(JSON.stringify(body)).not.toMatch(/farms\//); // no storage key leaves the server
    },
  );

  it('answers a resend of the same bytes with the first photo (200), other bytes under that id 409', async () => {
    const bytes = await shot({ seed: 11 });
    const first = await put(bytes);
    expect(first.status).toBe(201);
    const again = await put(bytes, { id: first.id, type: 'image/png' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const clash = await put(await shot({ seed: 12 }), { id: first.id });
    expect(clash.status).toBe(409);
    expect(clash.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('refuses what is not JPEG, PNG or WebP by its bytes (415), whatever the Content-Type says', async () => {
    const gif = Buffer.from(
      'GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00,',
      'latin1',
    );
    for (const body of [gif, Buffer.from('just some text, not an image')]) {
      const res = await put(body, { type: 'image/jpeg' });
      expect(res.status).toBe(415);
      expect(res.body.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    // A body labelled as neither image/* nor octet-stream is refused by the parser itself.
    const text = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/farms/${farm.slug}/photos/${randomUUID()}`,
      headers: { ...admin.headers, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
  });

  it('refuses a truncated JPEG (422 IMAGE_UNREADABLE) and stores nothing of it', async () => {
    const whole = await shot({ width: 400, height: 300, seed: 5 });
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const res = await put(cut);
    expect(res.status).toBe(422);
    expect(res.body.error_code).toBe('IMAGE_UNREADABLE');
    expect((await api('GET', `/photos/${res.id}`)).status).toBe(404);
  });

  it('refuses more than 50 megapixels from the header, before decoding (422 IMAGE_TOO_LARGE)', async () => {
    const bomb = pngClaiming(10_000, 10_000);
    expect(bomb.length).toBeLessThan(1000);
    const res = await put(bomb, { type: 'image/png' });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error_code).toBe('IMAGE_TOO_LARGE');
    expect(res.body.details).toMatchObject({ width: 10_000, height: 10_000 });
  });

  it('refuses a body over 20 MB (413)', async () => {
    const big = Buffer.concat([await shot({ seed: 3 }), Buffer.alloc(20 * 1024 * 1024)]);
    const res = await put(big);
    expect(res.status).toBe(413);
    expect(res.body.error_code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses by Content-Length before reading the body (413 with no byte sent)', async () => {
    const answer = await sendHeadOnly(
      t.app,
      `PUT /api/v1/farms/${farm.slug}/photos/${randomUUID()} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: ${admin.headers.authorization}\r\nContent-Type: image/jpeg\r\n` +
        `Content-Length: ${30 * 1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('PAYLOAD_TOO_LARGE');
  });
});

describe('EXIF and the place', () => {
  it('reads DateTimeOriginal (with its offset) and GPS with its accuracy; a point well inside one bench is that bench', async () => {
    const bytes = await shot({
      seed: 21,
      gps: { lon: LON + 0.001 + DLON / 2, lat: LAT + DLAT / 2, accuracy: 3 },
      takenAt: '2026:11:29 14:15:16',
      offset: '+01:00',
    });
    const { status, body } = await put(bytes);
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.taken_at).toBe('2026-11-29T13:15:16.000Z');
    expect(body.taken_at_source).toBe('exif');
    expect(body.gps.lon).toBeCloseTo(LON + 0.001 + DLON / 2, 6);
    expect(body.gps.lat).toBeCloseTo(LAT + DLAT / 2, 6);
    expect(body.gps.accuracy_m).toBe(3);
    expect(body).toMatchObject({ location_id: ids.c, location_source: 'gps', warnings: ['needs_config'] });
  });

  it('a point inside bench A near its border with B, both within the accuracy: needs_location', async () => {
    const bytes = await shot({ seed: 22, gps: { lon: LON + DLON * 0.97, lat: LAT + DLAT / 2, accuracy: 3 } });
    const { body } = await put(bytes);
    expect(body).toMatchObject({ location_id: null, location_source: null, warnings: ['needs_location'] });
  });

  it('the same point with a fine fix (0.02 m) names bench A, which has a stock config (no warning)', async () => {
    const bytes = await shot({ seed: 23, gps: { lon: LON + DLON * 0.97, lat: LAT + DLAT / 2, accuracy: 0.02 } });
    const { body } = await put(bytes);
    expect(body).toMatchObject({ location_id: ids.a, location_source: 'gps', warnings: [] });
  });

  it('no stated accuracy: 10 m, so a point on bench A with B beside it needs a location', async () => {
    const bytes = await shot({ seed: 24, gps: { lon: LON + DLON / 2, lat: LAT + DLAT / 2 } });
    const { body } = await put(bytes);
    expect(body.gps.accuracy_m).toBeNull();
    expect(body.warnings).toEqual(['needs_location']);
  });

  it('a point far from every bench: needs_location', async () => {
    const bytes = await shot({ seed: 25, gps: { lon: LON + 0.01, lat: LAT, accuracy: 5 } });
    expect((await put(bytes)).body.warnings).toEqual(['needs_location']);
  });

  it('a scanned label wins over GPS: the QR code, its link, or the location code', async () => {
    const onA = { lon: LON + DLON * 0.5, lat: LAT + DLAT / 2, accuracy: 0.5 };
    for (const [i, label] of [ids.cQr!, `https://croft.example/farms/x/locations/qr/${ids.cQr}`, 'bc'].entries()) {
      const { status, body } = await put(await shot({ seed: 30 + i, gps: onA }), {
        query: `label=${encodeURIComponent(label)}`,
      });
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ location_id: ids.c, location_source: 'label' });
    }
    const given = await put(await shot({ seed: 35, gps: onA }), { query: `location_id=${ids.b}` });
    expect(given.body).toMatchObject({ location_id: ids.b, location_source: 'given', warnings: ['needs_config'] });
  });

  it('refuses a label or location that is not a storage location of this farm', async () => {
    expect((await put(await shot({ seed: 40 }), { query: 'label=NOPE' })).status).toBe(404);
    expect((await put(await shot({ seed: 41 }), { query: `location_id=${randomUUID()}` })).status).toBe(404);
    const area = await put(await shot({ seed: 42 }), { query: `location_id=${ids.area}` });
    expect(area.status).toBe(400);
    const mixed = await put(await shot({ seed: 43 }), { query: `location_id=${ids.a}&label=BC` });
    expect(mixed.status).toBe(400);
  });

  it('turns the display copy and the thumbnail upright by EXIF orientation; the original stays as sent', async () => {
    const bytes = await shot({ seed: 50, width: 120, height: 60, orientation: 6 });
    const { body, id } = await put(bytes);
    expect(body).toMatchObject({ width: 120, height: 60, orientation: 6 });
    const display = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/photos/${id}/image?size=display`,
      headers: admin.headers,
    });
    expect(display.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(display.rawPayload).metadata();
    expect([meta.width, meta.height]).toEqual([60, 120]);
  });
});

describe('serving and sessions', () => {
  it('serves the bytes as stored, through the farm’s access check', async () => {
    const bytes = await shot({ format: 'webp', seed: 60, width: 800, height: 500 });
    const { id } = await put(bytes, { type: 'image/webp' });
    const get = (size: string, on = farm) =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/farms/${on.slug}/photos/${id}/image${size ? `?size=${size}` : ''}`,
        headers: admin.headers,
      });
    const original = await get('');
    expect(original.statusCode).toBe(200);
    expect(original.headers['content-type']).toBe('image/webp');
    expect(sha(original.rawPayload)).toBe(sha(bytes));
    const thumb = await sharp((await get('thumb')).rawPayload).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).toBe(320);
    expect((await get('', other)).statusCode).toBe(404);
    const noAuth = await t.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}/photos/${id}/image` });
    expect(noAuth.statusCode).toBe(401);
  });

  it('another farm’s photo or session is 404', async () => {
    const { body, id } = await put(await shot({ seed: 61 }));
    expect((await api('GET', `/photos/${id}`, undefined, other)).status).toBe(404);
    expect((await api('GET', `/photo-sessions/${body.session_id}`, undefined, other)).status).toBe(404);
    expect((await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.a }, other)).status).toBe(404);
    expect((await api('GET', `/photos/${id}`)).body.session_id).toBe(body.session_id);
  });

  it('PATCH sets the place: needs_location cleared, needs_config worked out for the new place', async () => {
    const { body } = await put(await shot({ seed: 62 }));
    expect(body.warnings).toEqual(['needs_location']);
    const toC = await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.c });
    expect(toC.status).toBe(200);
    expect(toC.body).toMatchObject({ location_id: ids.c, warnings: ['needs_config'] });
    const toA = await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.a });
    expect(toA.body).toMatchObject({ location_id: ids.a, warnings: [] });
    expect((await api('GET', `/photos/${body.id}`)).body).toMatchObject({
      location_id: ids.a,
      location_source: 'given',
    });
    expect((await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.area })).status).toBe(400);
  });

  it('a place set while the photo is counted stays set: the job’s completion keeps the warnings as PATCH left them', async () => {
    const { body } = await put(await shot({ seed: 63 }));
    expect(body.warnings).toEqual(['needs_location']);
    const photos = new PhotosService({
      ...t.deps,
      photoStorage: t.deps.services.photoStorage,
      countPhoto: async () => {
        const placed = await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.a });
        expect(placed.body).toMatchObject({ location_id: ids.a, warnings: [] });
        return { detections: [], detected: 0, estimated: 0, empty: 0, total: 0, method: 'detection', confidence: 0 };
      },
    });
    await photos.process(farm.id, body.session_id, { retryCount: 0, retryLimit: 2 });
    // needs_location is not brought back; the count found nothing and had no density: needs_calibration.
    expect((await sessionOf(body.session_id)).warnings).toEqual(['needs_calibration']);
    // PATCH again (the same place): needs_calibration stays, being the count's.
    const again = await api('PATCH', `/photo-sessions/${body.session_id}`, { location_id: ids.a });
    expect(again.body.warnings).toEqual(['needs_calibration']);
  });

  const jobContext = (retryCount: number): JobContext => ({
    id: randomUUID(),
    retryCount,
    clock: t.clock,
    log: t.deps.log,
  });

  it('the photos.count job counts the plants on a synthetic tray, on the counting process', async () => {
    const tray = await generateSyntheticTray({ seed: 70, width: 1200, height: 900, detectableShare: 0.9 });
    const { body } = await put(tray.jpeg);
    const job = t.registry.get('photos.count')!;
    await job.handle({ farmId: farm.id, sessionId: body.session_id }, jobContext(0));
    const session = await sessionOf(body.session_id);
    expect(session).toMatchObject({ status: 'completed', error_code: null, attempts: 1 });
    expect(['detection', 'detection+band']).toContain(session.method);
    // The tray holds a known number of plants: the count is the pixels', within 20 %.
    expect(Math.abs(session.total - tray.truth.plants) / tray.truth.plants).toBeLessThanOrEqual(0.2);
    expect(session.detected).toBeGreaterThan(0);
    expect(session.confidence).toBeGreaterThan(0);
    // Run again (a job may): a finished session stays as it is.
    await job.handle({ farmId: farm.id, sessionId: body.session_id }, jobContext(0));
    expect((await sessionOf(body.session_id)).attempts).toBe(1);
  });

  it('moves a session pending → processing → completed with the counter’s figures; a failing try is retried', async () => {
    const seen: Array<{ bytes: string; status: string }> = [];
    let failFirst = true;
    const photos = new PhotosService({
      ...t.deps,
      photoStorage: t.deps.services.photoStorage,
      countPhoto: async (bytes) => {
        if (failFirst) {
          failFirst = false;
          throw new Error('transient');
        }
        seen.push({ bytes: sha(bytes), status: (await sessionOf(sessionId)).status });
        return {
          detections: [box(0, 'plant'), box(1, 'empty_container')],
          detected: 7,
          estimated: 2,
          empty: 1,
          total: 9,
          method: 'test',
          confidence: 0.5,
        };
      },
    });
    const bytes = await shot({ seed: 71 });
    const { body } = await put(bytes);
    const sessionId = body.session_id as string;
    await expect(photos.process(farm.id, sessionId, { retryCount: 0, retryLimit: 2 })).rejects.toThrow('transient');
    expect((await sessionOf(sessionId)).status).toBe('pending');
    await photos.process(farm.id, sessionId, { retryCount: 1, retryLimit: 2 });
    expect(seen).toEqual([{ bytes: sha(bytes), status: 'processing' }]);
    expect(await sessionOf(sessionId)).toMatchObject({
      status: 'completed',
      detected: 7,
      estimated: 2,
      empty: 1,
      total: 9,
      method: 'test',
      confidence: 0.5,
      attempts: 2,
      error_code: null,
    });
    // The retry stored its detections; the failed try left none.
    expect((await api('GET', `/photo-sessions/${sessionId}/detections`)).body.data).toHaveLength(2);
  });

  it('fails the session on the last try with the error’s code', async () => {
    const photos = new PhotosService({
      ...t.deps,
      photoStorage: t.deps.services.photoStorage,
      countPhoto: () => Promise.reject(new Error('boom')),
    });
    const { body } = await put(await shot({ seed: 72 }));
    await photos.process(farm.id, body.session_id, { retryCount: 2, retryLimit: 2 });
    expect(await sessionOf(body.session_id)).toMatchObject({ status: 'failed', error_code: 'COUNTING_FAILED' });
  });
});
