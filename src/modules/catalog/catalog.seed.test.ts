/**
 * The shipped catalogue and its loader: the files pass every rule (so a bad commit fails here), the test
 * template already holds them (a test app's start loads nothing), and a changed folder is applied by key
 * — updated, inserted, retired, brought back — without touching a farm's own rows.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { ManualClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { checkSeed, DEFAULT_SEED_DIR, loadCatalogSeed, readSeedFiles, SeedError, seedHash } from './catalog.seed.js';

const log = createLogger({ logLevel: 'silent', logFormat: 'json' });

describe('the shipped seed files', () => {
  it('pass every rule, with enough of each kind', async () => {
    const { rows, problems } = checkSeed(await readSeedFiles(DEFAULT_SEED_DIR));
    expect(problems).toEqual([]);
    expect(rows.families.length).toBeGreaterThanOrEqual(50);
    expect(rows.species.length).toBeGreaterThanOrEqual(200);
    expect(rows.cultivars.length).toBeGreaterThanOrEqual(100);
    expect(rows.sequences.length).toBeGreaterThanOrEqual(10);
    const categories = new Set(rows.species.map((s) => s.row.category));
    for (const category of ['vegetable', 'herb', 'fruit', 'flower', 'houseplant', 'cactus', 'succulent'])
      expect(categories).toContain(category);
  });
});

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let dir: string;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  t = await createTestApp({ logLines: lines });
  ({ admin, farm } = await setupAdmin(t.app));
  dir = mkdtempSync(path.join(os.tmpdir(), 'croft-seed-'));
  cpSync(DEFAULT_SEED_DIR, dir, { recursive: true });
});

afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const db = () => t.database.db;
const clock = new ManualClock('2026-07-01T00:00:00Z');
const load = (from = dir) => loadCatalogSeed(db(), { dir: from, clock, log });

type Row = Record<string, unknown> & { key: string };
function edit(file: string, change: (rows: Row[]) => Row[]): void {
  const at = path.join(dir, file);
  writeFileSync(at, stringify(change(parse(readFileSync(at, 'utf8')) as Row[])));
}

const globalRow = async (table: 'catalog_species' | 'catalog_cultivars' | 'catalog_families', key: string) =>
  db().system((tx) =>
    tx
      .selectFrom(table as 'catalog_species')
      .select(['id', 'key', 'retired_at', 'updated_at'])
      .where('farm_id', 'is', null)
      .where('key', '=', key)
      .executeTakeFirst(),
  );

describe('the loader', () => {
  it('finds the template loaded, so a start loads nothing', async () => {
    expect(lines.some((l) => String(l.msg).startsWith('catalogue seed loaded'))).toBe(false);
    const state = await db().system((tx) => tx.selectFrom('catalog_seed_state').selectAll().executeTakeFirstOrThrow());
    expect(state.content_hash).toBe(seedHash(await readSeedFiles(DEFAULT_SEED_DIR)));
    // Every global row still carries the template's time: nothing was written by this start.
    const { rows } = await db().system((tx) =>
      sql<{ latest: Date }>`select max(updated_at) as latest from catalog_species`.execute(tx),
    );
    expect(new Date(rows[0]!.latest).getTime()).toBeLessThan(new Date('2026-06-01T00:00:00Z').getTime());
    expect(await load(DEFAULT_SEED_DIR)).toEqual({ loaded: false, hash: state.content_hash });
  });

  it('updates a changed row by key, inserts a new one, retires a removed one, and leaves farm rows be', async () => {
    const own = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${farm.slug}/catalog/species`,
      headers: admin.headers,
      payload: {
        scientific_name: 'Solanum ownii',
        family: 'solanaceae',
        category: 'vegetable',
        sequence: 'annual-fruiting',
      },
    });
    expect(own.statusCode, own.body).toBe(201);
    const tomato = await globalRow('catalog_species', 'solanum-lycopersicum');
    const pepper = await globalRow('catalog_species', 'capsicum-annuum');
    const moneymaker = await globalRow('catalog_cultivars', 'solanum-lycopersicum/moneymaker');

    edit('edible/species.yaml', (rows) =>
      rows.map((r) => (r.key === 'solanum-lycopersicum' ? { ...r, watering_interval_days: 2 } : r)),
    );
    edit('edible/cultivars.yaml', (rows) => rows.filter((r) => r.key !== 'solanum-lycopersicum/moneymaker'));
    edit('edible/families.yaml', (rows) => [
      ...rows,
      { key: 'testaceae', name: 'Testaceae', order: 'Testales', common_names: { en: 'Test family' } },
    ]);
    clock.set('2026-07-02T00:00:00Z');
    const result = await load();
    expect(result.loaded).toBe(true);
    expect(result.counts).toMatchObject({
      species: { updated: 1, inserted: 0, retired: 0 },
      cultivars: { updated: 0, inserted: 0, retired: 1 },
      families: { updated: 0, inserted: 1, retired: 0 },
      sequences: { updated: 0, inserted: 0, retired: 0 },
      phases: { written: 0, retired: 0 },
    });

    const changed = await db().system((tx) =>
      tx.selectFrom('catalog_species').selectAll().where('id', '=', tomato!.id).executeTakeFirstOrThrow(),
    );
    expect(changed.watering_interval_days).toBe(2);
    expect(changed.updated_at).toEqual(clock.now());
    expect(await globalRow('catalog_species', 'capsicum-annuum')).toEqual(pepper);
    const retired = await globalRow('catalog_cultivars', 'solanum-lycopersicum/moneymaker');
    expect(retired).toMatchObject({ id: moneymaker!.id, retired_at: clock.now() });
    expect(await globalRow('catalog_families', 'testaceae')).toMatchObject({ retired_at: null });

    // The farm's own species is as it was.
    const mine = await db().farm(farm.id, (tx) =>
      tx.selectFrom('catalog_species').selectAll().where('id', '=', own.json().id).executeTakeFirstOrThrow(),
    );
    expect(mine).toMatchObject({ retired_at: null, farm_id: farm.id });
    expect(mine.updated_at).toEqual(new Date(own.json().updated_at));

    // Unchanged files: nothing to do.
    expect((await load()).loaded).toBe(false);
  });

  it('brings a row named again back, with the id plants refer to', async () => {
    const before = await globalRow('catalog_cultivars', 'solanum-lycopersicum/moneymaker');
    cpSync(path.join(DEFAULT_SEED_DIR, 'edible/cultivars.yaml'), path.join(dir, 'edible/cultivars.yaml'));
    clock.set('2026-07-03T00:00:00Z');
    const result = await load();
    expect(result.counts?.cultivars).toMatchObject({ updated: 1, inserted: 0, retired: 0 });
    expect(await globalRow('catalog_cultivars', 'solanum-lycopersicum/moneymaker')).toMatchObject({
      id: before!.id,
      retired_at: null,
    });
  });

  it('loads a key renamed against the rule: the old row retires and gives its name up', async () => {
    const old = await globalRow('catalog_cultivars', 'solanum-lycopersicum/san-marzano');
    edit('edible/cultivars.yaml', (rows) =>
      rows.map((r) =>
        r.key === 'solanum-lycopersicum/san-marzano' ? { ...r, key: 'solanum-lycopersicum/san-marzano-2' } : r,
      ),
    );
    clock.set('2026-07-04T00:00:00Z');
    expect((await load()).counts?.cultivars).toMatchObject({ inserted: 1, retired: 1 });
    expect(await globalRow('catalog_cultivars', 'solanum-lycopersicum/san-marzano')).toMatchObject({
      id: old!.id,
      retired_at: clock.now(),
    });
    expect(await globalRow('catalog_cultivars', 'solanum-lycopersicum/san-marzano-2')).toMatchObject({
      retired_at: null,
    });
  });

  it("keeps a sequence's phase ids when they move, and retires a phase the files drop", async () => {
    const phases = (keys: string[]) => keys.map((key) => ({ key, days: 5, temp_c: [22, 18] }));
    edit('sequences.yaml', (rows) => [
      ...rows,
      { key: 'test-cycle', lifecycle: 'annual', phases: phases(['a', 'b', 'c']) },
    ]);
    expect((await load()).counts?.phases).toMatchObject({ written: 3, retired: 0 });
    const read = () =>
      db().system((tx) =>
        tx
          .selectFrom('catalog_phases as p')
          .innerJoin('catalog_sequences as q', 'q.id', 'p.sequence_id')
          .select(['p.id', 'p.key', 'p.position', 'p.retired_at'])
          .where('q.key', '=', 'test-cycle')
          .orderBy('p.key')
          .execute(),
      );
    const [a, b, c] = await read();
    edit('sequences.yaml', (rows) =>
      rows.map((r) => (r.key === 'test-cycle' ? { ...r, phases: phases(['b', 'a']) } : r)),
    );
    expect((await load()).counts?.phases).toMatchObject({ written: 2, retired: 1 });
    expect(await read()).toEqual([
      { ...a, position: 1 },
      { ...b, position: 0 },
      { ...c, position: null, retired_at: clock.now() },
    ]);
  });

  it('refuses a bad row, naming its file, key and field, and writes nothing', async () => {
    const state = await db().system((tx) => tx.selectFrom('catalog_seed_state').selectAll().executeTakeFirstOrThrow());
    edit('edible/species.yaml', (rows) =>
      rows.map((r) =>
        r.key === 'capsicum-annuum' ? { ...r, hardiness_zones: ['14a', '15b'], sowing_months: [13] } : r,
      ),
    );
    edit('edible/families.yaml', (rows) =>
      rows.map((r) => (r.key === 'fabaceae' ? { ...r, nutrient_demand: 'heavy' } : r)),
    );
    const failure = await load().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SeedError);
    const problems = (failure as SeedError).problems.map((p) => `${p.file} ${p.key} ${p.field}`);
    expect(problems).toEqual([
      'edible/families.yaml fabaceae nutrient_demand',
      'edible/species.yaml capsicum-annuum hardiness_zones[0]',
      'edible/species.yaml capsicum-annuum hardiness_zones[1]',
      'edible/species.yaml capsicum-annuum sowing_months[0]',
    ]);
    expect((failure as Error).message).toContain('edible/species.yaml: capsicum-annuum: hardiness_zones[0]: must be');
    expect(
      await db().system((tx) => tx.selectFrom('catalog_seed_state').selectAll().executeTakeFirstOrThrow()),
    ).toEqual(state);
  });

  it('loads the companion pairs and successors, each pair stored once and read either way', async () => {
    const pairs = await db().system(async (tx) => {
      const { rows } = await sql<{
        a: string;
        b: string;
        relation: string;
        score: number | null;
        severity: string | null;
      }>`
        select a.key as a, b.key as b, c.relation, c.score, c.severity from catalog_species_companions c
        join catalog_species a on a.id = c.a_id join catalog_species b on b.id = c.b_id where c.farm_id is null`.execute(
        tx,
      );
      return rows;
    });
    const find = (x: string, y: string) => pairs.filter((p) => (p.a === x && p.b === y) || (p.a === y && p.b === x));
    expect(find('ocimum-basilicum', 'solanum-lycopersicum')).toEqual([
      expect.objectContaining({ relation: 'compatible', score: 0.9, severity: null }),
    ]);
    expect(find('foeniculum-vulgare', 'solanum-lycopersicum')).toEqual([
      expect.objectContaining({ relation: 'incompatible', score: null, severity: 'severe' }),
    ]);
    const families = await db().system((tx) =>
      tx
        .selectFrom('catalog_families')
        .select(['key', 'soil_borne', 'rotation_pause_years'])
        .where('farm_id', 'is', null)
        .where('key', 'in', ['brassicaceae', 'amaryllidaceae'])
        .orderBy('key')
        .execute(),
    );
    expect(families).toEqual([
      {
        key: 'amaryllidaceae',
        soil_borne: expect.arrayContaining(['onion white rot (Stromatinia cepivorum)']) as unknown,
        rotation_pause_years: 8,
      },
      {
        key: 'brassicaceae',
        soil_borne: expect.arrayContaining(['clubroot (Plasmodiophora brassicae)']) as unknown,
        rotation_pause_years: 7,
      },
    ]);
    // The issue asks for at least 150 pairs in the seed data (species level here, family level besides).
    expect(pairs.length).toBeGreaterThanOrEqual(150);
    const twice = pairs.filter((p) => find(p.a, p.b).length > 1);
    expect(twice).toEqual([]);
    const successors = await db().system(async (tx) => {
      const { rows } = await sql<{ after: string; then: string }>`
        select x.key as after, y.key as then from catalog_rotation_successors s
        join catalog_families x on x.id = s.after_id join catalog_families y on y.id = s.then_id
        where s.farm_id is null order by 1, 2`.execute(tx);
      return rows;
    });
    expect(successors).toEqual(
      expect.arrayContaining([
        { after: 'fabaceae', then: 'brassicaceae' },
        { after: 'fabaceae', then: 'solanaceae' },
      ]),
    );
  });

  it('refuses a pair that is both compatible and incompatible (either way round), and writes nothing', async () => {
    const state = await db().system((tx) => tx.selectFrom('catalog_seed_state').selectAll().executeTakeFirstOrThrow());
    // The files as shipped (the test before left mistakes in two of them), with one pair contradicted.
    for (const file of ['edible/species.yaml', 'edible/families.yaml', 'companions.yaml'])
      cpSync(path.join(DEFAULT_SEED_DIR, file), path.join(dir, file));
    edit('companions.yaml', (rows) => [
      ...rows,
      {
        a: 'ocimum-basilicum',
        b: 'solanum-lycopersicum',
        level: 'species',
        relation: 'incompatible',
        severity: 'mild',
        reason: 'A contradiction, on purpose.',
      } as unknown as Row,
    ]);
    const failure = await load().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SeedError);
    expect((failure as SeedError).problems).toEqual([
      expect.objectContaining({
        file: 'companions.yaml',
        key: 'ocimum-basilicum+solanum-lycopersicum',
        field: 'relation',
        message: expect.stringContaining('either compatible or incompatible, never both') as unknown,
      }),
    ]);
    expect(
      await db().system((tx) => tx.selectFrom('catalog_seed_state').selectAll().executeTakeFirstOrThrow()),
    ).toEqual(state);
    cpSync(path.join(DEFAULT_SEED_DIR, 'companions.yaml'), path.join(dir, 'companions.yaml'));
  });

  it('refuses unknown keys, a score on an incompatible pair, a pair listed twice and a bad successor', () => {
    const { problems } = checkSeed([
      { path: 'families.yaml', text: '- { key: xyaceae, name: Xyaceae }\n- { key: zyaceae, name: Zyaceae }\n' },
      {
        path: 'companions.yaml',
        text: [
          '- { a: xyaceae, b: no-such-family, level: family, relation: compatible, score: 0.5 }',
          '- { a: xyaceae, b: zyaceae, level: family, relation: incompatible, severity: mild, score: 0.5 }',
          '- { a: zyaceae, b: xyaceae, level: family, relation: incompatible, severity: severe }',
          '- { a: xyaceae, b: zyaceae, level: species, relation: compatible }',
          '- { a: xyaceae, b: zyaceae, level: family, relation: neutral }',
        ].join('\n'),
      },
      { path: 'rotation.yaml', text: '- { after: xyaceae, then: xyaceae }\n- { after: xyaceae, then: nope }\n' },
    ]);
    expect(problems.map((p) => `${p.file} ${p.key} ${p.field}`)).toEqual([
      'companions.yaml xyaceae+no-such-family b',
      'companions.yaml xyaceae+zyaceae a',
      'companions.yaml xyaceae+zyaceae b',
      'companions.yaml xyaceae+zyaceae relation',
      'companions.yaml xyaceae+zyaceae score',
      'companions.yaml zyaceae+xyaceae b',
      'rotation.yaml xyaceae->nope then',
      'rotation.yaml xyaceae->xyaceae then',
    ]);
  });

  it('names a YAML mistake and a file it does not know', () => {
    const { problems } = checkSeed([
      { path: 'x/species.yaml', text: '- key: a\n  key: b\n' },
      { path: 'x/pests.yaml', text: '[]' },
      { path: 'families.yaml', text: '- key: xyaceae\n  name: Xyaceae\n  colour: green\n' },
    ]);
    expect(problems.map((p) => `${p.file} ${p.key} ${p.field}`)).toEqual([
      'families.yaml xyaceae colour',
      'x/pests.yaml (file) (file)',
      'x/species.yaml (file) line 2',
    ]);
  });
});
