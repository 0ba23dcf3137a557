import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { generateSyntheticTray } from './synthetic/tray.js';
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
import { PhotosService } from './photos.service.js';

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
        return { detections: [], detected: 7, estimated: 2, empty: 1, total: 9, method: 'test', confidence: 0.5 };
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
