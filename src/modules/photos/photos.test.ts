import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { generateSyntheticTray } from './synthetic/tray.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import {
  createFarm,
  createLocation,
  login,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import type { JobContext } from '../../platform/jobs/registry.js';
import type { Detection } from './counting/types.js';
import { PhotosService } from './photos.service.js';
import { validationMovementId } from './validate.service.js';

/** Photos through the API: upload and its refusals, EXIF, the place, sessions, the image served back. */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let other: FarmRef;
let dataDir: string;
const ids: Record<string, string> = {};

// Three benches near 13.4 E, 52.52 N: A and B side by side (each about 2 m × 10 m), C some 70 m east.
const LON = 13.4;
const LAT = 52.52;
const DLON = 0.00003; // ≈ 2.0 m at this latitude
const DLAT = 0.00009; // ≈ 10 m
const rect = (x0: number, x1: number, y0: number, y1: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ],
  ],
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** EXIF's degrees/minutes/seconds as libvips writes rationals. */
function dms(value: number): string {
  const abs = Math.abs(value);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
}

interface Shot {
  format?: 'jpeg' | 'png' | 'webp';
  width?: number;
  height?: number;
  gps?: { lon: number; lat: number; accuracy?: number };
  takenAt?: string; // "YYYY:MM:DD HH:MM:SS"
  offset?: string;
  orientation?: number;
  seed?: number;
}

/** A photo made with sharp: noise (so every one differs by seed), EXIF as asked. */
async function shot(s: Shot = {}): Promise<Buffer> {
  const width = s.width ?? 96;
  const height = s.height ?? 64;
  const raw = Buffer.alloc(width * height * 3);
  let x = (s.seed ?? 1) * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  let image = sharp(raw, { raw: { width, height, channels: 3 } });
  image = image[s.format ?? 'jpeg']();
  if (s.orientation) image = image.withMetadata({ orientation: s.orientation });
  const IFD2: Record<string, string> = {};
  if (s.takenAt) IFD2.DateTimeOriginal = s.takenAt;
  if (s.offset) IFD2.OffsetTimeOriginal = s.offset;
  const IFD3: Record<string, string> = {};
  if (s.gps) {
    IFD3.GPSLatitudeRef = s.gps.lat >= 0 ? 'N' : 'S';
    IFD3.GPSLatitude = dms(s.gps.lat);
    IFD3.GPSLongitudeRef = s.gps.lon >= 0 ? 'E' : 'W';
    IFD3.GPSLongitude = dms(s.gps.lon);
    if (s.gps.accuracy !== undefined) IFD3.GPSHPositioningError = `${Math.round(s.gps.accuracy * 100)}/100`;
  }
  if (s.takenAt || s.gps) image = image.withExifMerge({ IFD2, IFD3 });
  return image.toBuffer();
}

/** A PNG whose header claims width × height, with one tiny IDAT: what sharp reads without decoding. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function put(
  bytes: Buffer,
  opts: { id?: string; type?: string; query?: string; who?: Actor; on?: FarmRef } = {},
): Promise<{ status: number; body: Json; id: string }> {
  const id = opts.id ?? randomUUID();
  const res = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${(opts.on ?? farm).slug}/photos/${id}${opts.query ? `?${opts.query}` : ''}`,
    headers: { ...(opts.who ?? admin).headers, 'content-type': opts.type ?? 'image/jpeg' },
    payload: bytes,
  });
  return { status: res.statusCode, body: res.json() as Json, id };
}

async function api(method: string, url: string, payload?: unknown, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${on.slug}${url}`,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const sessionOf = async (id: string) => (await api('GET', `/photo-sessions/${id}`)).body;

/** A detection at the i-th place of a row of 30 px squares. */
const box = (i: number, cls: Detection['class'] = 'plant'): Detection => ({
  class: cls,
  cx: 15 + i * 40,
  cy: 15,
  box: { x1: i * 40, y1: 0, x2: i * 40 + 30, y2: 30 },
  area: 700,
  confidence: 0.8,
});

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'croft-photos-'));
  t = await createTestApp({ now: '2026-11-30T09:00:00Z', env: { CROFT_DATA_DIR: dataDir } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  other = await createFarm(t.app, admin, 'Other Acres');
  const house = await createLocation(t.app, admin, farm, { name: 'Shadehouse', type: 'warehouse', code: 'SH' });
  const area = await createLocation(t.app, admin, farm, { name: 'North', type: 'storage_area', parent_id: house.id });
  const bench = (name: string, code: string, x: number) =>
    createLocation(t.app, admin, farm, {
      name,
      code,
      type: 'storage_location',
      parent_id: area.id,
      geometry: rect(LON + x, LON + x + DLON, LAT, LAT + DLAT),
    });
  const a = await bench('Bench A', 'BA', 0);
  const b = await bench('Bench B', 'BB', DLON);
  const c = await bench('Bench C', 'BC', 0.001);
  ids.a = a.id;
  ids.b = b.id;
  ids.c = c.id;
  ids.cQr = c.qr_code;
  ids.area = area.id;
  // Bench A is set up for stock; B and C are not.
  const category = (await api('POST', '/product-categories', { code: 'CACT', name: 'Cacti', ready_days: 365 })).body;
  const family = (await api('POST', '/product-families', { category: category.id, name: 'Echinocactus' })).body;
  await api('POST', '/products', { family: family.id, sku: 'ECH-GRU', name: 'Golden barrel' });
  await api('POST', '/packaging', { sku: 'P8', name: 'Pot 8 cm', type: 'pot' });
  const config = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/locations/${a.id}/stock-config`,
    headers: admin.headers,
    payload: { product: 'ECH-GRU', packaging: 'P8' },
  });
  expect(config.statusCode, config.body).toBe(200);
});

afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

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
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n') && text.includes('}')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write(
        `PUT /api/v1/farms/${farm.slug}/photos/${randomUUID()} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: ${admin.headers.authorization}\r\nContent-Type: image/jpeg\r\n` +
          `Content-Length: ${30 * 1024 * 1024}\r\n\r\n`,
      );
    });
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

  it('the photos.count job counts the plants on a synthetic tray, on the counting thread', async () => {
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
