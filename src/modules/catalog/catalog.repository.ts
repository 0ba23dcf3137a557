import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type {
  CatalogReads,
  FamilyLinks,
  CultivarRef,
  GrowthPhase,
  PhaseProfile,
  SpeciesCalendar,
  SpeciesCalendarFilter,
  SpeciesForCare,
  SpeciesForGrowth,
  StarterKit,
} from './catalog.reads.js';
import type { StarterKitRow } from './catalog.kits.js';
import {
  likePattern,
  overridden,
  shortDayLight,
  type Category,
  type CultivarColumns,
  type FamilyColumns,
  type PhaseColumns,
  type PhaseOverrides,
  type SpeciesColumns,
} from './catalog.engine.js';
import type {
  CatalogCultivarTable,
  CatalogFamilyTable,
  CatalogPhaseTable,
  CatalogSequenceTable,
  CatalogSpeciesTable,
  CatalogStarterKitTable,
} from './catalog.tables.js';

export type FamilyRow = Selectable<CatalogFamilyTable>;
export type SequenceRow = Selectable<CatalogSequenceTable>;
export type PhaseRow = Selectable<CatalogPhaseTable>;
export type SpeciesRow = Selectable<CatalogSpeciesTable> & {
  family_key: string;
  family_name: string;
  sequence_key: string;
};
export type CultivarRow = Selectable<CatalogCultivarTable> & { species_key: string; species_name: string };
/** A sequence with its live phases, in order. */
export type SequenceWithPhases = SequenceRow & { phases: PhaseRow[] };

/** Whose rows a read sees: the global catalogue only, or the global rows and one farm's own. */
export type Visible = { farmId: string } | 'global';

/** A list's filters and its page: `after` is the last row of the previous page (its sort value and id). */
export interface ListFilter {
  q?: string | undefined;
  /** The languages whose common names a search matches. */
  languages: string[];
  includeRetired: boolean;
  after?: [string, string] | undefined;
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (ref: string): boolean => UUID.test(ref);

/** The rows a read may see, besides what row-level security already allows. */
function visible(alias: string, scope: Visible): RawBuilder<boolean> {
  const farmId = sql.ref(`${alias}.farm_id`);
  return scope === 'global'
    ? sql<boolean>`${farmId} is null`
    : sql<boolean>`(${farmId} is null or ${farmId} = ${scope.farmId})`;
}

/** By id or key; a farm's own key before the global one. */
function byRef(alias: string, ref: string): RawBuilder<boolean> {
  return isUuid(ref)
    ? sql<boolean>`${sql.ref(`${alias}.id`)} = ${ref}`
    : sql<boolean>`${sql.ref(`${alias}.key`)} = ${ref}`;
}

const ownFirst = (alias: string) => sql`${sql.ref(`${alias}.farm_id`)} is null`;

/** The sort value of a list (case-insensitive, the same order on every database) and its page cursor. */
const sortValue = (column: string) => sql`lower(${sql.ref(column)}) collate "C"`;
/** After the row the cursor names (it holds that row's value and id; lower() is applied here, as in the order). */
const afterRow = (column: string, id: string, after: [string, string]) =>
  sql<boolean>`(${sortValue(column)}, ${sql.ref(id)}) > (lower(${after[0]}) collate "C", ${after[1]}::uuid)`;

function selectSpecies(tx: Tx) {
  return tx
    .selectFrom('catalog_species as s')
    .innerJoin('catalog_families as f', 'f.id', 's.family_id')
    .innerJoin('catalog_sequences as q', 'q.id', 's.sequence_id')
    .selectAll('s')
    .select(['f.key as family_key', 'f.name as family_name', 'q.key as sequence_key']);
}

function selectCultivars(tx: Tx) {
  return tx
    .selectFrom('catalog_cultivars as c')
    .innerJoin('catalog_species as sp', 'sp.id', 'c.species_id')
    .selectAll('c')
    .select(['sp.key as species_key', 'sp.scientific_name as species_name']);
}

/** Any of `languages`' common names (a list per language) matches. */
const listedNameMatches = (alias: string, languages: string[], pattern: string) =>
  sql<boolean>`exists (select 1 from unnest(${languages}::text[]) as l(language),
    jsonb_array_elements_text(case when jsonb_typeof(${sql.ref(`${alias}.common_names`)} -> l.language) = 'array'
      then ${sql.ref(`${alias}.common_names`)} -> l.language else '[]'::jsonb end) as n(name)
    where n.name ilike ${pattern})`;

/** Any of `languages`' common names (one per language) matches. */
const singleNameMatches = (alias: string, languages: string[], pattern: string) =>
  sql<boolean>`exists (select 1 from unnest(${languages}::text[]) as l(language)
    where ${sql.ref(`${alias}.common_names`)} ->> l.language ilike ${pattern})`;

/**
 * The four catalogue tables. Queries that take one as an argument name it to Kysely as
 * `catalog_families`: the columns they touch (id, key, farm_id, retired_at) are the same in all four.
 */
type GlobalTable = 'catalog_families' | 'catalog_sequences' | 'catalog_species' | 'catalog_cultivars';

/** How the seed loader writes a table from JSON: each column's SQL type, and references resolved by key. */
interface UpsertSpec {
  table: GlobalTable;
  columns: Record<string, string>;
  /** Column → [the JSON field holding the key, the table it names]. */
  refs?: Record<string, [string, GlobalTable]>;
}

export const SEED_SPECS = {
  sequences: {
    table: 'catalog_sequences',
    columns: {
      lifecycle: 'text',
      dormancy_required: 'boolean',
      vernalization_required: 'boolean',
      restart_phase: 'text',
    },
  },
  families: {
    table: 'catalog_families',
    columns: {
      name: 'text',
      order_name: 'text',
      common_names: 'jsonb',
      nutrient_demand: 'text',
      nitrogen_fixing: 'boolean',
      root_depth: 'text',
      ph_min: 'double precision',
      ph_max: 'double precision',
      frost_tolerance: 'text',
      rotation_group: 'text',
      rotation_pause_years: 'integer',
      pests: 'text[]',
      pathogens: 'text[]',
      soil_borne: 'text[]',
      sources: 'text[]',
    },
  },
  species: {
    table: 'catalog_species',
    columns: {
      scientific_name: 'text',
      genus: 'text',
      category: 'text',
      common_names: 'jsonb',
      phase_overrides: 'jsonb',
      base_temp_c: 'double precision',
      upper_temp_c: 'double precision',
      critical_day_length_h: 'double precision',
      photoperiod: 'text',
      hardiness_min: 'text',
      hardiness_max: 'text',
      growth_habit: 'text',
      root_type: 'text',
      frost_sensitive: 'boolean',
      nutrient_demand: 'text',
      container: 'boolean',
      indoor: 'boolean',
      balcony: 'boolean',
      sow_indoor_weeks_before_last_frost: 'integer',
      sow_outdoor_days_after_last_frost: 'integer',
      sowing_months: 'integer[]',
      harvest_months: 'integer[]',
      bloom_months: 'integer[]',
      watering_interval_days: 'integer',
      spacing_cm: 'double precision',
      height_cm: 'double precision',
      care_preset: 'text',
      rotation_pause_years: 'integer',
      sources: 'text[]',
    },
    refs: { family_id: ['family', 'catalog_families'], sequence_id: ['sequence', 'catalog_sequences'] },
  },
  cultivars: {
    table: 'catalog_cultivars',
    columns: {
      name: 'text',
      breeder: 'text',
      days_to_maturity: 'integer',
      traits: 'text[]',
      resistances: 'text[]',
      sources: 'text[]',
    },
    refs: { species_id: ['species', 'catalog_species'] },
  },
} as const satisfies Record<string, UpsertSpec>;

const PHASE_COLUMNS: Record<string, string> = {
  position: 'integer',
  key: 'text',
  days: 'integer',
  gdd: 'double precision',
  terminal: 'boolean',
  harvest_allowed: 'boolean',
  light_ppfd: 'double precision',
  photoperiod_h: 'double precision',
  day_temp_c: 'double precision',
  night_temp_c: 'double precision',
  day_humidity: 'double precision',
  night_humidity: 'double precision',
  vpd_min: 'double precision',
  vpd_max: 'double precision',
  npk: 'double precision[]',
  ec_ms: 'double precision',
  ph: 'double precision',
};

const ident = (name: string) => sql.id(name);
const list = (items: RawBuilder<unknown>[]) => sql.join(items, sql`, `);

const profileOf = (p: PhaseRow): PhaseProfile => ({
  lightPpfd: p.light_ppfd,
  photoperiodH: p.photoperiod_h,
  dayTempC: p.day_temp_c,
  nightTempC: p.night_temp_c,
  dayHumidity: p.day_humidity,
  nightHumidity: p.night_humidity,
  vpdMin: p.vpd_min,
  vpdMax: p.vpd_max,
  npk: p.npk && p.npk.length === 3 ? [p.npk[0]!, p.npk[1]!, p.npk[2]!] : null,
  ecMs: p.ec_ms,
  ph: p.ph,
});

export const catalogRepository = {
  // -------------------------------------------------------------------------------------------------
  // Lists

  listFamilies(tx: Tx, scope: Visible, filter: ListFilter): Promise<FamilyRow[]> {
    let query = tx.selectFrom('catalog_families as f').selectAll('f').where(visible('f', scope));
    if (!filter.includeRetired) query = query.where('f.retired_at', 'is', null);
    if (filter.q) {
      const pattern = likePattern(filter.q);
      query = query.where(
        sql<boolean>`(f.name ilike ${pattern} or f.order_name ilike ${pattern} or ${singleNameMatches('f', filter.languages, pattern)})`,
      );
    }
    if (filter.after) query = query.where(afterRow('f.name', 'f.id', filter.after));
    return query.orderBy(sortValue('f.name')).orderBy('f.id').limit(filter.limit).execute();
  },

  listSpecies(
    tx: Tx,
    scope: Visible,
    filter: ListFilter & { familyIds?: string[] | undefined; category?: Category | undefined },
  ): Promise<SpeciesRow[]> {
    let query = selectSpecies(tx).where(visible('s', scope));
    if (!filter.includeRetired) query = query.where('s.retired_at', 'is', null);
    if (filter.familyIds?.length === 0) return Promise.resolve([]);
    if (filter.familyIds) query = query.where('s.family_id', 'in', filter.familyIds);
    if (filter.category) query = query.where('s.category', '=', filter.category);
    if (filter.q) {
      const pattern = likePattern(filter.q);
      query = query.where(
        sql<boolean>`(s.scientific_name ilike ${pattern} or ${listedNameMatches('s', filter.languages, pattern)})`,
      );
    }
    if (filter.after) query = query.where(afterRow('s.scientific_name', 's.id', filter.after));
    return query.orderBy(sortValue('s.scientific_name')).orderBy('s.id').limit(filter.limit).execute();
  },

  listCultivars(
    tx: Tx,
    scope: Visible,
    filter: ListFilter & { speciesIds?: string[] | undefined },
  ): Promise<CultivarRow[]> {
    let query = selectCultivars(tx).where(visible('c', scope));
    if (!filter.includeRetired) query = query.where('c.retired_at', 'is', null);
    if (filter.speciesIds?.length === 0) return Promise.resolve([]);
    if (filter.speciesIds) query = query.where('c.species_id', 'in', filter.speciesIds);
    if (filter.q) {
      const pattern = likePattern(filter.q);
      query = query.where(sql<boolean>`(c.name ilike ${pattern} or sp.scientific_name ilike ${pattern})`);
    }
    if (filter.after) query = query.where(afterRow('c.name', 'c.id', filter.after));
    return query.orderBy(sortValue('c.name')).orderBy('c.id').limit(filter.limit).execute();
  },

  async listSequences(tx: Tx, scope: Visible, filter: ListFilter): Promise<SequenceWithPhases[]> {
    let query = tx.selectFrom('catalog_sequences as q').selectAll('q').where(visible('q', scope));
    if (!filter.includeRetired) query = query.where('q.retired_at', 'is', null);
    if (filter.q) query = query.where('q.key', 'ilike', likePattern(filter.q));
    if (filter.after) query = query.where(afterRow('q.key', 'q.id', filter.after));
    const rows = await query.orderBy(sortValue('q.key')).orderBy('q.id').limit(filter.limit).execute();
    return this.withPhases(tx, rows);
  },

  async withPhases(tx: Tx, sequences: SequenceRow[]): Promise<SequenceWithPhases[]> {
    const phases = await this.phasesOf(
      tx,
      sequences.map((s) => s.id),
    );
    return sequences.map((s) => ({ ...s, phases: phases.filter((p) => p.sequence_id === s.id) }));
  },

  /** The live phases of these sequences, in order. */
  phasesOf(tx: Tx, sequenceIds: string[]): Promise<PhaseRow[]> {
    if (sequenceIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('catalog_phases')
      .selectAll()
      .where('sequence_id', 'in', sequenceIds)
      .where('retired_at', 'is', null)
      .orderBy('sequence_id')
      .orderBy('position')
      .execute();
  },

  // -------------------------------------------------------------------------------------------------
  // One row, by id or key

  findFamily(tx: Tx, scope: Visible, ref: string): Promise<FamilyRow | undefined> {
    return tx
      .selectFrom('catalog_families as f')
      .selectAll('f')
      .where(visible('f', scope))
      .where(byRef('f', ref))
      .orderBy(ownFirst('f'))
      .limit(1)
      .executeTakeFirst();
  },

  findSpecies(tx: Tx, scope: Visible, ref: string): Promise<SpeciesRow | undefined> {
    return selectSpecies(tx)
      .where(visible('s', scope))
      .where(byRef('s', ref))
      .orderBy(ownFirst('s'))
      .limit(1)
      .executeTakeFirst();
  },

  findCultivar(tx: Tx, scope: Visible, ref: string): Promise<CultivarRow | undefined> {
    return selectCultivars(tx)
      .where(visible('c', scope))
      .where(byRef('c', ref))
      .orderBy(ownFirst('c'))
      .limit(1)
      .executeTakeFirst();
  },

  async findSequence(tx: Tx, scope: Visible, ref: string): Promise<SequenceWithPhases | undefined> {
    const row = await tx
      .selectFrom('catalog_sequences as q')
      .selectAll('q')
      .where(visible('q', scope))
      .where(byRef('q', ref))
      .orderBy(ownFirst('q'))
      .limit(1)
      .executeTakeFirst();
    return row ? (await this.withPhases(tx, [row]))[0] : undefined;
  },

  /** Rows of these species (a species' cultivars, in name order), retired ones left out. */
  cultivarsOfSpecies(tx: Tx, scope: Visible, speciesId: string): Promise<CultivarRow[]> {
    return selectCultivars(tx)
      .where(visible('c', scope))
      .where('c.species_id', '=', speciesId)
      .where('c.retired_at', 'is', null)
      .orderBy(sortValue('c.name'))
      .orderBy('c.id')
      .execute();
  },

  /** Ids of the visible rows a list filter names by id or key (`?family=solanaceae`). */
  async idsOf(tx: Tx, table: 'catalog_families' | 'catalog_species', scope: Visible, ref: string): Promise<string[]> {
    const rows = await tx
      .selectFrom(`${table} as t` as 'catalog_families as t')
      .select('t.id')
      .where(visible('t', scope))
      .where(byRef('t', ref))
      .execute();
    return rows.map((r) => r.id);
  },

  // -------------------------------------------------------------------------------------------------
  // Names and keys a farm's new row must not take

  /** The visible family (global or the farm's own) with this name, another than `exceptId`. */
  familyNamed(tx: Tx, farmId: string, name: string, exceptId?: string) {
    let query = tx
      .selectFrom('catalog_families')
      .select(['id', 'key', 'farm_id'])
      .where(visible('catalog_families', { farmId }))
      .where(sql<boolean>`lower(name) = lower(${name})`);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.orderBy(ownFirst('catalog_families')).limit(1).executeTakeFirst();
  },

  speciesNamed(tx: Tx, farmId: string, name: string, exceptId?: string) {
    let query = tx
      .selectFrom('catalog_species')
      .select(['id', 'key', 'farm_id'])
      .where(visible('catalog_species', { farmId }))
      .where(sql<boolean>`lower(scientific_name) = lower(${name})`);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.orderBy(ownFirst('catalog_species')).limit(1).executeTakeFirst();
  },

  cultivarNamed(tx: Tx, farmId: string, speciesId: string, name: string, exceptId?: string) {
    let query = tx
      .selectFrom('catalog_cultivars')
      .select(['id', 'key', 'farm_id'])
      .where(visible('catalog_cultivars', { farmId }))
      .where('species_id', '=', speciesId)
      .where(sql<boolean>`lower(name) = lower(${name})`);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.orderBy(ownFirst('catalog_cultivars')).limit(1).executeTakeFirst();
  },

  /** The visible keys of a table that start with `prefix` (to make a free one). */
  async keysLike(tx: Tx, table: GlobalTable, farmId: string, prefix: string): Promise<Set<string>> {
    const rows = await tx
      .selectFrom(`${table} as t` as 'catalog_families as t')
      .select('t.key')
      .where(visible('t', { farmId }))
      .where('t.key', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      .execute();
    return new Set(rows.map((r) => r.key));
  },

  /** The visible row with this key, the farm's own first. */
  keyHolder(tx: Tx, table: GlobalTable, farmId: string, key: string, exceptId?: string) {
    let query = tx
      .selectFrom(`${table} as t` as 'catalog_families as t')
      .select(['t.id', 't.key', 't.farm_id'])
      .where(visible('t', { farmId }))
      .where('t.key', '=', key);
    if (exceptId) query = query.where('t.id', '<>', exceptId);
    return query.orderBy(ownFirst('t')).limit(1).executeTakeFirst();
  },

  // -------------------------------------------------------------------------------------------------
  // What refers to a row

  async speciesUsing(tx: Tx, column: 'family_id' | 'sequence_id', id: string): Promise<number> {
    const row = await tx
      .selectFrom('catalog_species')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column, '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async cultivarsUsing(tx: Tx, speciesId: string): Promise<number> {
    const row = await tx
      .selectFrom('catalog_cultivars')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('species_id', '=', speciesId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  // -------------------------------------------------------------------------------------------------
  // A farm's own rows

  async insertFamily(
    tx: Tx,
    row: FamilyColumns & { farm_id: string; key: string; created_at: Date; updated_at: Date },
  ): Promise<string> {
    const { id } = await tx.insertInto('catalog_families').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  },

  async updateFamily(tx: Tx, farmId: string, id: string, patch: Partial<FamilyColumns> & { updated_at: Date }) {
    await tx.updateTable('catalog_families').set(patch).where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  async insertSpecies(
    tx: Tx,
    row: SpeciesColumns & { farm_id: string; key: string; created_at: Date; updated_at: Date },
  ): Promise<string> {
    const { id } = await tx.insertInto('catalog_species').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  },

  async updateSpecies(tx: Tx, farmId: string, id: string, patch: Partial<SpeciesColumns> & { updated_at: Date }) {
    await tx.updateTable('catalog_species').set(patch).where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  async insertCultivar(
    tx: Tx,
    row: CultivarColumns & { farm_id: string; key: string; created_at: Date; updated_at: Date },
  ): Promise<string> {
    const { id } = await tx.insertInto('catalog_cultivars').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  },

  async updateCultivar(tx: Tx, farmId: string, id: string, patch: Partial<CultivarColumns> & { updated_at: Date }) {
    await tx.updateTable('catalog_cultivars').set(patch).where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  async insertSequence(tx: Tx, row: Omit<SequenceRow, 'id' | 'retired_at'> & { farm_id: string }): Promise<string> {
    const { id } = await tx.insertInto('catalog_sequences').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  },

  async updateSequence(
    tx: Tx,
    farmId: string,
    id: string,
    patch: Partial<Omit<SequenceRow, 'id' | 'farm_id' | 'key' | 'created_at'>> & { updated_at: Date },
  ) {
    await tx.updateTable('catalog_sequences').set(patch).where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** Deletes a farm's own row (its foreign keys refuse while anything refers to it). */
  async remove(tx: Tx, table: GlobalTable, farmId: string, id: string): Promise<void> {
    await tx
      .deleteFrom(table as 'catalog_families')
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .execute();
  },

  // -------------------------------------------------------------------------------------------------
  // Phases of a sequence (the seed's and a farm's), matched by key so their ids stay

  /**
   * Writes a sequence's phases in one statement: a phase of the same key is updated where it changed,
   * a new one inserted. Positions may move among them (the position constraint is checked at the end
   * of the statement). Returns the keys written.
   */
  async upsertPhases(tx: Tx, sequenceId: string, farmId: string | null, phases: PhaseColumns[]): Promise<string[]> {
    if (phases.length === 0) return [];
    const names = Object.keys(PHASE_COLUMNS);
    const changing = names.filter((c) => c !== 'key');
    const { rows } = await sql<{ key: string }>`
      insert into catalog_phases as t (farm_id, sequence_id, ${list(names.map(ident))}, retired_at)
      select ${farmId}::uuid, ${sequenceId}::uuid, ${list(names.map((c) => sql.ref(`r.${c}`)))}, null
      from jsonb_to_recordset(${JSON.stringify(phases)}::jsonb)
        as r(${list(names.map((c) => sql`${ident(c)} ${sql.raw(PHASE_COLUMNS[c]!)}`))})
      on conflict (sequence_id, key) do update set
        ${list(changing.map((c) => sql`${ident(c)} = excluded.${ident(c)}`))}, retired_at = null
      where (${list([...changing, 'retired_at'].map((c) => sql.ref(`t.${c}`)))})
        is distinct from (${list([...changing, 'retired_at'].map((c) => sql.ref(`excluded.${c}`)))})
      returning t.key`.execute(tx);
    return rows.map((r) => r.key);
  },

  /** Retires (seed) the phases of a sequence whose keys are not in `keep`; returns how many. */
  async retirePhasesExcept(tx: Tx, sequenceId: string, keep: string[], now: Date): Promise<number> {
    const result = await tx
      .updateTable('catalog_phases')
      .set({ retired_at: now, position: null })
      .where('sequence_id', '=', sequenceId)
      .where('retired_at', 'is', null)
      .where(sql<boolean>`not (key = any(${keep}::text[]))`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  /** Deletes (a farm's sequence) the phases whose keys are not in `keep`: refused while a plant is in one. */
  async deletePhasesExcept(tx: Tx, sequenceId: string, keep: string[]): Promise<void> {
    await tx
      .deleteFrom('catalog_phases')
      .where('sequence_id', '=', sequenceId)
      .where(sql<boolean>`not (key = any(${keep}::text[]))`)
      .execute();
  },

  // -------------------------------------------------------------------------------------------------
  // The seed (system scope; global rows only)

  seedState(tx: Tx) {
    return tx.selectFrom('catalog_seed_state').selectAll().executeTakeFirst();
  },

  async saveSeedState(tx: Tx, hash: string, now: Date, counts: Record<string, unknown>): Promise<void> {
    await tx
      .insertInto('catalog_seed_state')
      .values({ id: true, content_hash: hash, loaded_at: now, counts })
      .onConflict((oc) => oc.column('id').doUpdateSet({ content_hash: hash, loaded_at: now, counts }))
      .execute();
  },

  /** The location tree's rules as `parent>child` (what a starter kit's places are checked against). */
  async locationTypeRules(tx: Tx): Promise<Set<string>> {
    const rules = await tx.selectFrom('location_type_rules').select(['parent_type', 'child_type']).execute();
    return new Set(rules.map((r) => `${r.parent_type}>${r.child_type}`));
  },

  /** The seed's starter kits replace the stored ones (no row refers to a kit). */
  async replaceStarterKits(tx: Tx, kits: StarterKitRow[], now: Date): Promise<void> {
    await tx.deleteFrom('catalog_starter_kits').execute();
    if (kits.length === 0) return;
    await tx
      .insertInto('catalog_starter_kits')
      .values(
        kits.map((kit, position) => ({
          key: kit.key,
          position,
          names: JSON.stringify(kit.names),
          descriptions: JSON.stringify(kit.descriptions ?? {}),
          places: JSON.stringify(kit.places),
          plants_at: kit.plants_at,
          species: kit.species,
          suggested_plants: kit.suggested_plants,
          updated_at: now,
        })),
      )
      .execute();
  },

  /** Holds other starting instances back until this one's load has committed. */
  async lockSeed(tx: Tx): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('croft.catalog-seed'))`.execute(tx);
  },

  /** The global rows' keys, each with whether it is retired. */
  async globalKeys(tx: Tx, table: GlobalTable): Promise<Map<string, boolean>> {
    const rows = await tx
      .selectFrom(`${table} as t` as 'catalog_families as t')
      .select(['t.key', 't.retired_at'])
      .where('t.farm_id', 'is', null)
      .execute();
    return new Map(rows.map((r) => [r.key, r.retired_at !== null]));
  },

  /**
   * Inserts or updates global rows by key in one statement, from their JSON; a row is updated only
   * where something changed (a retired row named again comes back). References (`family` → family_id)
   * are looked up by key among the global rows. Returns the keys written.
   */
  async upsertGlobal(tx: Tx, spec: UpsertSpec, rows: Record<string, unknown>[], now: Date): Promise<string[]> {
    if (rows.length === 0) return [];
    const columns = Object.keys(spec.columns);
    const refs = Object.entries(spec.refs ?? {});
    const recordColumns = [
      sql`key text`,
      ...columns.map((c) => sql`${ident(c)} ${sql.raw(spec.columns[c]!)}`),
      ...refs.map(([, [field]]) => sql`${ident(field)} text`),
    ];
    const target = [...columns, ...refs.map(([column]) => column)];
    const joins = refs.map(
      ([, [field, table]], i) =>
        sql`join ${ident(table)} as ${ident(`ref${i}`)} on ${sql.ref(`ref${i}.farm_id`)} is null
          and ${sql.ref(`ref${i}.key`)} = ${sql.ref(`r.${field}`)}`,
    );
    const compared = [...target, 'retired_at'];
    const { rows: written } = await sql<{ key: string }>`
      insert into ${ident(spec.table)} as t (farm_id, key, ${list(target.map(ident))}, retired_at, created_at, updated_at)
      select null, r.key, ${list([
        ...columns.map((c) => sql.ref(`r.${c}`)),
        ...refs.map((_, i) => sql.ref(`ref${i}.id`)),
      ])}, null, ${now}::timestamptz, ${now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(${list(recordColumns)})
      ${sql.join(joins, sql` `)}
      on conflict (key) where farm_id is null do update set
        ${list(target.map((c) => sql`${ident(c)} = excluded.${ident(c)}`))},
        retired_at = null, updated_at = excluded.updated_at
      where (${list(compared.map((c) => sql.ref(`t.${c}`)))})
        is distinct from (${list(compared.map((c) => sql.ref(`excluded.${c}`)))})
      returning t.key`.execute(tx);
    return written.map((r) => r.key);
  },

  /** Retires the global rows whose keys the files no longer hold; returns their keys. */
  async retireGlobalExcept(tx: Tx, table: GlobalTable, keep: string[], now: Date): Promise<string[]> {
    const rows = await tx
      .updateTable(table as 'catalog_families')
      .set({ retired_at: now, updated_at: now })
      .where('farm_id', 'is', null)
      .where('retired_at', 'is', null)
      .where(sql<boolean>`not (key = any(${keep}::text[]))`)
      .returning('key')
      .execute();
    return rows.map((r) => r.key);
  },

  /**
   * Replaces the global companion pairs of one level with the files' (nothing refers to a pair, so they
   * are written anew). Each pair is stored once, the smaller id first; keys are the global rows'.
   */
  async replaceGlobalCompanions(
    tx: Tx,
    level: 'species' | 'family',
    rows: Array<{
      a: string;
      b: string;
      relation: string;
      score: number | null;
      severity: string | null;
      reason: string;
      sources: string[];
    }>,
    now: Date,
  ): Promise<number> {
    const table = level === 'species' ? 'catalog_species_companions' : 'catalog_family_companions';
    const keyed = level === 'species' ? 'catalog_species' : 'catalog_families';
    await sql`delete from ${ident(table)} where farm_id is null`.execute(tx);
    if (rows.length === 0) return 0;
    const result = await sql`
      insert into ${ident(table)} (farm_id, a_id, b_id, relation, score, severity, reason, sources, created_at)
      select null, least(x.id, y.id), greatest(x.id, y.id), r.relation, r.score, r.severity, r.reason, r.sources,
        ${now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(a text, b text, relation text, score double precision, severity text, reason text, sources text[])
      join ${ident(keyed)} x on x.farm_id is null and x.key = r.a
      join ${ident(keyed)} y on y.farm_id is null and y.key = r.b`.execute(tx);
    return Number(result.numAffectedRows ?? 0);
  },

  /** Replaces the global good successors with the files'. */
  async replaceGlobalSuccessors(
    tx: Tx,
    rows: Array<{ after: string; then: string; reason: string; sources: string[] }>,
    now: Date,
  ): Promise<number> {
    await sql`delete from catalog_rotation_successors where farm_id is null`.execute(tx);
    if (rows.length === 0) return 0;
    const result = await sql`
      insert into catalog_rotation_successors (farm_id, after_id, then_id, reason, sources, created_at)
      select null, x.id, y.id, r.reason, r.sources, ${now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(after text, "then" text, reason text, sources text[])
      join catalog_families x on x.farm_id is null and x.key = r.after
      join catalog_families y on y.farm_id is null and y.key = r."then"`.execute(tx);
    return Number(result.numAffectedRows ?? 0);
  },

  /** The global sequences' ids by key. */
  async globalSequenceIds(tx: Tx): Promise<Map<string, string>> {
    const rows = await tx.selectFrom('catalog_sequences').select(['id', 'key']).where('farm_id', 'is', null).execute();
    return new Map(rows.map((r) => [r.key, r.id]));
  },
};

/**
 * What other modules read of the catalogue, inside their own transaction (row-level security shows
 * a farm's transaction the global rows and the farm's own).
 */
const kitOf = (row: Selectable<CatalogStarterKitTable>): StarterKit => ({
  key: row.key,
  names: row.names,
  descriptions: row.descriptions,
  places: row.places,
  plantsAt: row.plants_at,
  species: row.species,
  suggestedPlants: row.suggested_plants,
});

export const catalogReads: CatalogReads = {
  async familyLinks(tx: Tx): Promise<FamilyLinks[]> {
    const rows = await tx
      .selectFrom('catalog_families')
      .select(['key', 'farm_id', 'pests', 'pathogens', 'soil_borne'])
      .where('retired_at', 'is', null)
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      key: r.key,
      global: r.farm_id === null,
      pests: r.pests,
      pathogens: r.pathogens,
      soil_borne: r.soil_borne,
    }));
  },

  async speciesForCare(tx: Tx, ids: string[]): Promise<Map<string, SpeciesForCare>> {
    const wanted = [...new Set(ids.filter(isUuid))];
    if (wanted.length === 0) return new Map();
    const rows = await tx
      .selectFrom('catalog_species as s')
      .innerJoin('catalog_families as f', 'f.id', 's.family_id')
      .select(['s.id', 's.key', 's.scientific_name', 's.care_preset', 's.watering_interval_days', 'f.name as family'])
      .where('s.id', 'in', wanted)
      .execute();
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          key: r.key,
          scientificName: r.scientific_name,
          familyName: r.family,
          carePreset: r.care_preset,
          wateringIntervalDays: r.watering_interval_days,
        },
      ]),
    );
  },

  async starterKits(tx: Tx): Promise<StarterKit[]> {
    return (await tx.selectFrom('catalog_starter_kits').selectAll().orderBy('position').execute()).map(kitOf);
  },

  async starterKit(tx: Tx, key: string): Promise<StarterKit | undefined> {
    const row = await tx.selectFrom('catalog_starter_kits').selectAll().where('key', '=', key).executeTakeFirst();
    return row ? kitOf(row) : undefined;
  },

  async speciesForGrowth(tx: Tx, ids: string[]): Promise<Map<string, SpeciesForGrowth>> {
    const wanted = [...new Set(ids.filter(isUuid))];
    const found = new Map<string, SpeciesForGrowth>();
    if (wanted.length === 0) return found;
    const species = await tx
      .selectFrom('catalog_species as s')
      .innerJoin('catalog_sequences as q', 'q.id', 's.sequence_id')
      .select([
        's.id',
        's.key',
        's.scientific_name',
        's.base_temp_c',
        's.upper_temp_c',
        's.critical_day_length_h',
        's.photoperiod',
        's.phase_overrides',
        'q.id as sequence_id',
        'q.key as sequence_key',
        'q.lifecycle',
        'q.dormancy_required',
        'q.vernalization_required',
        'q.restart_phase',
      ])
      .where('s.id', 'in', wanted)
      .execute();
    const phases = await catalogRepository.phasesOf(tx, [...new Set(species.map((s) => s.sequence_id))]);
    for (const s of species) {
      const overrides = s.phase_overrides as PhaseOverrides;
      found.set(s.id, {
        id: s.id,
        key: s.key,
        scientificName: s.scientific_name,
        baseTempC: s.base_temp_c,
        upperTempC: s.upper_temp_c,
        criticalDayLengthH: s.critical_day_length_h,
        sequence: {
          id: s.sequence_id,
          key: s.sequence_key,
          lifecycle: s.lifecycle,
          dormancyRequired: s.dormancy_required,
          vernalizationRequired: s.vernalization_required,
          restartPhase: s.restart_phase,
          phases: shortDayLight(
            phases
              .filter((p) => p.sequence_id === s.sequence_id)
              .map((p): GrowthPhase =>
                overridden(
                  {
                    id: p.id,
                    key: p.key,
                    position: p.position!,
                    days: p.days,
                    gdd: p.gdd,
                    terminal: p.terminal,
                    harvestAllowed: p.harvest_allowed,
                    profile: profileOf(p),
                  },
                  overrides,
                ),
              ),
            s.photoperiod,
            s.critical_day_length_h,
          ),
        },
      });
    }
    return found;
  },

  async resolveSpecies(tx: Tx, farmId: string, ref: string): Promise<{ id: string; key: string } | undefined> {
    return tx
      .selectFrom('catalog_species as s')
      .select(['s.id', 's.key'])
      .where(visible('s', { farmId }))
      .where(byRef('s', ref))
      .where('s.retired_at', 'is', null)
      .orderBy(ownFirst('s'))
      .limit(1)
      .executeTakeFirst();
  },

  async speciesCalendars(tx: Tx, farmId: string, filter: SpeciesCalendarFilter): Promise<SpeciesCalendar[]> {
    let query = tx
      .selectFrom('catalog_species as s')
      .select([
        's.id',
        's.key',
        's.farm_id',
        's.scientific_name',
        's.common_names',
        's.category',
        's.frost_sensitive',
        's.sow_indoor_weeks_before_last_frost',
        's.sow_outdoor_days_after_last_frost',
        's.sowing_months',
        's.harvest_months',
        's.bloom_months',
      ])
      .distinctOn(sql`s.key collate "C"`)
      .where(visible('s', { farmId }))
      .where('s.retired_at', 'is', null)
      .where(
        sql<boolean>`(s.sow_indoor_weeks_before_last_frost is not null or s.sow_outdoor_days_after_last_frost is not null
          or cardinality(s.sowing_months) > 0 or cardinality(s.harvest_months) > 0 or cardinality(s.bloom_months) > 0)`,
      );
    if (filter.keys) query = query.where('s.key', 'in', filter.keys.length ? filter.keys : ['']);
    if (filter.category) query = query.where('s.category', '=', filter.category as Category);
    if (filter.after !== undefined) query = query.where(sql<boolean>`s.key collate "C" > ${filter.after} collate "C"`);
    const rows = await query
      .orderBy(sql`s.key collate "C"`)
      .orderBy(ownFirst('s'))
      .limit(filter.limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      key: r.key,
      scientificName: r.scientific_name,
      commonNames: r.common_names as Record<string, string[]>,
      category: r.category,
      own: r.farm_id !== null,
      frostSensitive: r.frost_sensitive,
      sowIndoorWeeksBeforeLastFrost: r.sow_indoor_weeks_before_last_frost,
      sowOutdoorDaysAfterLastFrost: r.sow_outdoor_days_after_last_frost,
      sowingMonths: r.sowing_months,
      harvestMonths: r.harvest_months,
      bloomMonths: r.bloom_months,
    }));
  },

  async resolveCultivar(tx: Tx, farmId: string, ref: string): Promise<CultivarRef | undefined> {
    const row = await tx
      .selectFrom('catalog_cultivars as c')
      .select(['c.id', 'c.species_id', 'c.name'])
      .where(visible('c', { farmId }))
      .where(byRef('c', ref))
      .where('c.retired_at', 'is', null)
      .orderBy(ownFirst('c'))
      .limit(1)
      .executeTakeFirst();
    return row ? { id: row.id, speciesId: row.species_id, name: row.name } : undefined;
  },
};
