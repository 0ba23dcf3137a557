/** The photo tests' farm: three benches (A set up for stock), an other farm, and the helpers they share. */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, expect } from 'vitest';
import { createTestApp, type Json, type TestApp } from './app.js';
import { createFarm, createLocation, login, setupAdmin, type Actor, type FarmRef } from './factories.js';
import type { Detection } from '../../src/modules/photos/index.js';

export let t: TestApp;
export let admin: Actor;
export let farm: FarmRef;
export let other: FarmRef;
let dataDir: string;
export const ids: Record<string, string> = {};

// Three benches near 13.4 E, 52.52 N: A and B side by side (each about 2 m × 10 m), C some 70 m east.
export const LON = 13.4;
export const LAT = 52.52;
export const DLON = 0.00003; // ≈ 2.0 m at this latitude
export const DLAT = 0.00009; // ≈ 10 m
export const rect = (x0: number, x1: number, y0: number, y1: number) => ({
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

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** EXIF's degrees/minutes/seconds as libvips writes rationals. */
export function dms(value: number): string {
  const abs = Math.abs(value);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
}

export interface Shot {
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
export async function shot(s: Shot = {}): Promise<Buffer> {
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
export function pngClaiming(width: number, height: number): Buffer {
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

export async function put(
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

export async function api(method: string, url: string, payload?: unknown, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${on.slug}${url}`,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

export const sessionOf = async (id: string) => (await api('GET', `/photo-sessions/${id}`)).body;

/** A detection at the i-th place of a row of 30 px squares. */
export const box = (i: number, cls: Detection['class'] = 'plant'): Detection => ({
  class: cls,
  cx: 15 + i * 40,
  cy: 15,
  box: { x1: i * 40, y1: 0, x2: i * 40 + 30, y2: 30 },
  area: 700,
  confidence: 0.8,
});

/** The farm every photo test works in (its own app and data folder per test file). */
export function usePhotoFarm(): void {
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
}
