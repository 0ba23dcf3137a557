import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { Parser, type ReadEntry } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createFarm,
  createLocation,
  login,
  member,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { fillEveryModule } from '../../../test/helpers/full-farm.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { generateSyntheticTray } from '../photos/index.js';
import { exportTables, LEFT_OUT_TABLES, SECRET_PATTERN } from './exports.engine.js';
import { exportsRepository } from './exports.repository.js';

/**
 * A farm's export through the API: a farm with rows in every module and a neighbour farm beside it; the
 * archive downloaded, unpacked and read back.
 */

let t: TestApp;
let farm: FarmRef;
let admin: Actor;
let neighbour: FarmRef;
let stranger: Actor;
let uploaded: { id: string; bytes: Buffer };
let response: Awaited<ReturnType<TestApp['app']['inject']>>;
/** The archive's members in order, and their bytes. */
let order: string[];
let files: Map<string, Buffer>;

const text = (name: string) => files.get(name)!.toString('utf8');
const jsonLines = (name: string) =>
  text(name)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);

async function untar(gz: Buffer): Promise<{ order: string[]; files: Map<string, Buffer> }> {
  const tar = gunzipSync(gz);
  // Two empty blocks end the archive.
  expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
  const names: string[] = [];
  const contents = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        names.push(entry.path);
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => contents.set(entry.path, Buffer.concat(chunks)));
      },
    });
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(tar);
  });
  return { order: names, files: contents };
}

/** A signed-in person as the service sees them. */
const callerOf = (who: Actor) =>
  ({ kind: 'user', userId: who.userId, sessionId: randomUUID(), isInstanceAdmin: false }) as const;

const get = (who: Pick<Actor, 'headers'>, ref: string) =>
  t.app.inject({ method: 'GET', url: `/api/v1/farms/${ref}/export`, headers: who.headers });

beforeAll(async () => {
  t = await createTestApp();
  ({ farm, admin } = await fillEveryModule(t));
  admin = await login(t.app, admin.email);

  // A photo of the test's own, to compare byte for byte.
  const bench = await t.deps.db.farm(farm.id, (tx) =>
    tx.selectFrom('locations').select('id').where('name', '=', 'Bench 1').executeTakeFirstOrThrow(),
  );
  const bytes = (await generateSyntheticTray({ seed: 11, width: 400, height: 300 })).jpeg;
  const id = randomUUID();
  const put = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/photos/${id}?location_id=${bench.id}`,
    headers: { ...admin.headers, 'content-type': 'image/jpeg' },
    payload: bytes,
  });
  expect(put.statusCode, put.body).toBe(201);
  uploaded = { id, bytes };

  // The neighbour: same admin, rows of every kind that must not show, and a person only there.
  neighbour = await createFarm(t.app, admin, 'Neighbour Farm');
  stranger = await member(t.app, admin, neighbour, 'manager', 'stranger');
  await createLocation(t.app, admin, neighbour, { name: 'NEIGHBOUR-ONLY field' });
  await createDevice(t.app, admin, neighbour, { device_id: 'neighbour-sensor' });
  const reading = await t.app.inject({
    method: 'POST',
    url: `/api/v1/farms/${neighbour.slug}/telemetry`,
    headers: admin.headers,
    payload: { readings: [{ device: 'neighbour-sensor', metric: 'temperature', value: 21.5, unit: '°C' }] },
  });
  expect(reading.statusCode, reading.body).toBeLessThan(300);
  const plant = await t.app.inject({
    method: 'POST',
    url: `/api/v1/farms/${neighbour.slug}/plants`,
    headers: admin.headers,
    payload: { species: 'mentha-spicata', label: 'NEIGHBOUR-MINT' },
  });
  expect(plant.statusCode, plant.body).toBe(201);

  response = await get(admin, farm.slug);
  expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
  ({ order, files } = await untar(response.rawPayload));
}, 300_000);

afterAll(() => t.close());

/** The farm's rows of a table, counted in the database itself. */
const countRows = (table: string, farmId: string) =>
  t.deps.db.system(async (tx) => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
      where farm_id = ${farmId}`.execute(tx);
    return rows[0]!.n;
  });

describe('the archive', () => {
  it('is a gzip download named after the farm and the day', () => {
    expect(response.headers['content-type']).toBe('application/gzip');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="croft-${farm.slug}-2026-06-01.tar.gz"`);
    expect(order.slice(0, 2)).toEqual(['README.txt', 'farm.json']);
  });

  it('explains itself: files, times in UTC, geometry as GeoJSON, what was left out', () => {
    const readme = text('README.txt');
    for (const words of ['tables/<table>.jsonl', 'tables/<table>.csv', 'photos/<id>.<ext>', 'UTC', 'GeoJSON'])
      expect(readme).toContain(words);
    for (const table of Object.keys(LEFT_OUT_TABLES)) expect(readme).toContain(table);
    expect(readme).toContain('invitations.token_hash');
  });

  it('holds the farm and only its members', () => {
    const json = JSON.parse(text('farm.json')) as Json;
    expect(json).toMatchObject({
      format: 'croft-farm-export',
      format_version: 1,
      farm: { id: farm.id, slug: farm.slug, name: 'Every Module Farm', time_zone: 'Asia/Phnom_Penh' },
    });
    const emails = (json.members as Json[]).map((m) => m.email as string);
    expect(emails).toContain(admin.email);
    expect(emails.length).toBe(3); // the admin, the grower and the foreman
    expect(emails).not.toContain(stranger.email);
    for (const m of json.members as Json[])
      expect(Object.keys(m).sort()).toEqual(['email', 'member_since', 'name', 'role', 'user_id']);
  });

  it('holds every farm-scoped table as JSON Lines and CSV with every row of the farm, in key order', async () => {
    const tables = exportTables(await t.deps.db.system((tx) => exportsRepository.tables(tx)));
    for (const table of tables) {
      expect(order, table.name).toContain(`tables/${table.name}.jsonl`);
      const rows = jsonLines(`tables/${table.name}.jsonl`);
      expect(rows.length, table.name).toBe(await countRows(table.name, farm.id));
      const csv = parse(text(`tables/${table.name}.csv`)) as string[][];
      expect(csv[0], table.name).toEqual(table.columns.map((c) => c.name));
      expect(csv.length - 1, table.name).toBe(rows.length);
      for (const row of rows) expect(Object.keys(row), table.name).toEqual(table.columns.map((c) => c.name));
    }
    // The tables a farmer looks for first, and not empty.
    for (const name of ['locations', 'devices', 'series', 'readings', 'plants', 'stock_batches', 'stock_movements'])
      expect(jsonLines(`tables/${name}.jsonl`).length, name).toBeGreaterThan(0);
    const readings = jsonLines('tables/readings.jsonl');
    expect(readings.length).toBe(await countRows('readings', farm.id));
    // Primary-key order (series, then time), times in UTC.
    const keys = readings.map((r) => [r.series_id as number, Date.parse(r.ts as string)] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(keys).toEqual(sorted);
    expect(readings.every((r) => /\+00:00$/.test(r.ts as string))).toBe(true);
    // Geometry as GeoJSON.
    const site = jsonLines('tables/locations.jsonl').find((l) => l.name === 'Home site')!;
    expect(site.geometry).toMatchObject({ type: 'Polygon', coordinates: [expect.any(Array)] });
  });

  it('pages alike however small the pages (the keyset reads every row once)', async () => {
    const tables = exportTables(await t.deps.db.system((tx) => exportsRepository.tables(tx)));
    for (const table of tables.filter((x) => x.key)) {
      const lines: string[] = [];
      let after: string[] | null = null;
      do {
        const from: string[] | null = after;
        const page: { lines: string[]; after: string[] | null } = await t.deps.db.farm(farm.id, (tx) =>
          exportsRepository.page(tx, table, farm.id, from, 2),
        );
        lines.push(...page.lines);
        after = page.after;
      } while (after);
      expect(lines.length, table.name).toBe(jsonLines(`tables/${table.name}.jsonl`).length);
      expect(lines.join('\n'), table.name).toBe(text(`tables/${table.name}.jsonl`).trimEnd());
    }
  });

  it('holds no other farm’s rows and no one else’s account', async () => {
    for (const name of order.filter((n) => n.endsWith('.jsonl')))
      for (const row of jsonLines(name)) expect(row.farm_id, name).toBe(farm.id);
    const everything = order
      .filter((n) => !n.startsWith('photos/'))
      .map(text)
      .join('\n');
    for (const foreign of [
      neighbour.id,
      neighbour.slug,
      stranger.email,
      stranger.userId,
      'NEIGHBOUR-',
      'neighbour-sensor',
    ])
      expect(everything, foreign).not.toContain(foreign);
  });

  it('holds no column named like a secret and none of the secrets themselves', async () => {
    for (const name of order.filter((n) => n.endsWith('.jsonl')))
      for (const row of jsonLines(name))
        expect(
          Object.keys(row).filter((k) => SECRET_PATTERN.test(k)),
          name,
        ).toEqual([]);
    for (const name of order.filter((n) => n.endsWith('.csv'))) {
      const [header] = parse(text(name), { to_line: 1 }) as string[][];
      expect(
        header!.filter((k) => SECRET_PATTERN.test(k)),
        name,
      ).toEqual([]);
    }
    const described = JSON.parse(text('farm.json')) as Json;
    for (const table of described.tables as Json[])
      expect(
        (table.columns as Json[]).filter((c) => SECRET_PATTERN.test(c.name as string)),
        table.name,
      ).toEqual([]);

    // Every value of every secret-like text column in the whole database (hashes, secrets) is nowhere.
    const secrets = await t.deps.db.system(async (tx) => {
      const { rows: columns } = await sql<{ table: string; column: string }>`
        select c.table_name as table, c.column_name as column from information_schema.columns c
        where c.table_schema = 'public' and c.data_type = 'text'`.execute(tx);
      const values: string[] = [];
      for (const { table, column } of columns.filter((c) => SECRET_PATTERN.test(c.column))) {
        const { rows } = await sql<{ v: string }>`select ${sql.ref(column)} as v from ${sql.table(table)}
          where ${sql.ref(column)} is not null`.execute(tx);
        values.push(...rows.map((r) => r.v).filter((v) => v.length >= 16));
      }
      return values;
    });
    expect(secrets.length).toBeGreaterThan(5); // password, key, credential, invitation and feed hashes at least
    const everything = order
      .filter((n) => !n.startsWith('photos/'))
      .map(text)
      .join('\n');
    expect(secrets.filter((s) => everything.includes(s))).toEqual([]);
    expect(everything).not.toMatch(/\$argon2/);
  });

  it('holds every photo of the farm as uploaded', async () => {
    const photos = jsonLines('tables/photos.jsonl');
    expect(photos.length).toBe(await countRows('photos', farm.id));
    expect(photos.length).toBeGreaterThanOrEqual(2);
    expect(order.filter((n) => n.startsWith('photos/')).length).toBe(photos.length);
    expect(files.get(`photos/${uploaded.id}.jpg`)!.equals(uploaded.bytes)).toBe(true);
    for (const photo of photos) {
      const original = await t.app.inject({
        method: 'GET',
        url: `/api/v1/farms/${farm.slug}/photos/${photo.id}/image`,
        headers: admin.headers,
      });
      const inArchive = files.get(`photos/${photo.id}.jpg`)!;
      expect(inArchive.length).toBe(photo.byte_size);
      expect(inArchive.equals(original.rawPayload)).toBe(true);
    }
  });

  it('stops reading, and removes its temporary files, when the client goes away', async () => {
    const spools = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('croft-export-'));
    const before = new Set(spools());
    const archive = await t.deps.services.exports.exportFarm(
      { farmId: farm.id, slug: farm.slug, timeZone: 'Asia/Phnom_Penh', role: 'admin', caller: callerOf(admin) },
      { ip: null, userAgent: 'test' },
    );
    // Read until the tables are being spooled (their folder exists), then hang up.
    let spooling: string[] = [];
    for await (const _chunk of archive.stream) {
      spooling = spools().filter((name) => !before.has(name));
      if (spooling.length > 0) break;
    }
    expect(spooling).toHaveLength(1);
    await waitFor(() => !fs.existsSync(path.join(os.tmpdir(), spooling[0]!)));
  });

  it('is written to the audit log', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/audit?event_type=farm.exported`,
      headers: admin.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    // The download above and the one read half-way: each export is recorded when it starts.
    const exported = expect.objectContaining({
      event_type: 'farm.exported',
      category: 'farm',
      data: { tables: expect.any(Number) },
    });
    expect(res.json().data).toEqual([exported, exported]);
  });
});

describe('who may download it', () => {
  it('refuses members below admin with 403 in the one error shape', async () => {
    const manager = await member(t.app, admin, farm, 'manager', 'export-manager');
    for (const who of [manager, await member(t.app, admin, farm, 'viewer', 'export-viewer')]) {
      const res = await get(who, farm.slug);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.json()).toEqual({
        error_id: expect.any(String),
        error_code: 'FORBIDDEN',
        message: expect.any(String),
        details: expect.objectContaining({ permission: 'farm.export' }),
      });
    }
  });

  it('answers 404 for another farm and for none, as if it did not exist', async () => {
    for (const ref of [farm.slug, farm.id]) {
      const res = await get(stranger, ref);
      expect(res.statusCode, ref).toBe(404);
      expect(res.json().error_code).toBe('NOT_FOUND');
    }
    const none = await get(admin, 'no-such-farm');
    expect(none.statusCode).toBe(404);
    expect(none.json().error_code).toBe('NOT_FOUND');
  });

  it('lets an admin of the neighbour download only the neighbour', async () => {
    const res = await get(admin, neighbour.slug);
    expect(res.statusCode).toBe(200);
    const archive = await untar(res.rawPayload);
    const plants = archive.files.get('tables/plants.jsonl')!.toString('utf8').trim().split('\n');
    expect(plants).toHaveLength(1);
    expect(JSON.parse(plants[0]!)).toMatchObject({ farm_id: neighbour.id, label: 'NEIGHBOUR-MINT' });
    expect(archive.order.filter((n) => n.startsWith('photos/'))).toEqual([]);
  });
});
