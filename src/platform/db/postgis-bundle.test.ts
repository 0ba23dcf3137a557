import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePostgisFiles, filesUnder, keptEntry } from './postgis-bundle.js';
import { startPglite } from './embedded.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-postgis-bundle-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("Croft's PostGIS files", () => {
  it('keeps the postgis library, its control file, its install script and PROJ data, and nothing else', () => {
    expect(keptEntry('lib/postgresql/postgis-3.so')).toBe(true);
    expect(keptEntry('share/postgresql/extension/postgis.control')).toBe(true);
    expect(keptEntry('share/postgresql/extension/postgis--3.6.2.sql')).toBe(true);
    expect(keptEntry('share/proj/proj.db')).toBe(true);
    expect(keptEntry('lib/postgresql/postgis_raster-3.so')).toBe(false);
    expect(keptEntry('lib/postgresql/postgis_topology-3.so')).toBe(false);
    expect(keptEntry('share/postgresql/extension/postgis--ANY--3.6.2.sql')).toBe(false);
    expect(keptEntry('share/postgresql/extension/postgis--unpackaged--3.6.2.sql')).toBe(false);
    expect(keptEntry('share/postgresql/extension/postgis_raster.control')).toBe(false);
    expect(keptEntry('share/postgresql/extension/postgis_tiger_geocoder--3.6.2.sql')).toBe(false);
    expect(keptEntry('share/postgresql/contrib/postgis-3.6/spatial_ref_sys.sql')).toBe(false);
  });

  it('are unpacked once from the installed pglite-postgis, whole, and reused', async () => {
    const folder = await ensurePostgisFiles(scratch);
    const names = filesUnder(folder);
    expect(names).toContain('lib/postgresql/postgis-3.so');
    expect(names).toContain('share/postgresql/extension/postgis.control');
    expect(names).toContain('share/proj/proj.db');
    expect(names.filter((name) => name.endsWith('.so'))).toEqual(['lib/postgresql/postgis-3.so']);
    // Folders come before their files, so each is made before a file is written into it.
    expect(names.indexOf('lib/postgresql/')).toBeLessThan(names.indexOf('lib/postgresql/postgis-3.so'));
    expect(fs.statSync(path.join(folder, 'lib/postgresql/postgis-3.so')).size).toBeGreaterThan(1_000_000);
    expect(fs.readdirSync(scratch).filter((name) => name.endsWith('.partial'))).toEqual([]);
    const made = fs.statSync(folder).mtimeMs;
    expect(await ensurePostgisFiles(scratch)).toBe(folder);
    expect(fs.statSync(folder).mtimeMs).toBe(made);
  });

  it('installs PostGIS in a new database and answers spatial SQL, geography and transforms included', async () => {
    const db = await startPglite();
    try {
      await db.exec('CREATE EXTENSION postgis');
      const { rows } = await db.query<{ inside: boolean; metres: number; x: number }>(
        `SELECT ST_Contains(ST_MakeEnvelope(0, 0, 2, 2, 4326), ST_SetSRID(ST_MakePoint(1, 1), 4326)) AS inside,
                ST_Distance(ST_MakePoint(104.9, 11.5)::geography, ST_MakePoint(104.9, 11.6)::geography) AS metres,
                ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(104.9, 11.5), 4326), 3857)) AS x`,
      );
      expect(rows[0]!.inside).toBe(true);
      expect(rows[0]!.metres).toBeGreaterThan(11_000);
      expect(rows[0]!.metres).toBeLessThan(11_100);
      expect(rows[0]!.x).toBeCloseTo(11_677_414.6, 0);
    } finally {
      await db.close();
    }
  });
});
