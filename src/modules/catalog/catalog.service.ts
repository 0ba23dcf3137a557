import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, invalid, notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import type { AuthService } from '../identity/index.js';
import {
  cultivarColumns,
  cultivarProblems,
  decodeCursor,
  encodeCursor,
  familyColumns,
  familyInputOf,
  familyProblems,
  freeKey,
  keyFromName,
  normalizeCultivar,
  normalizeFamily,
  normalizeSpecies,
  phaseColumns,
  phaseInputOf,
  searchLanguages,
  sequenceColumns,
  sequenceProblems,
  sequenceWarnings,
  speciesColumns,
  speciesInputOf,
  speciesProblems,
  type CultivarInput,
  type Problem,
  type SequenceInput,
  type Warning,
} from './catalog.engine.js';
import {
  catalogReads,
  catalogRepository as repo,
  type CultivarRow,
  type FamilyRow,
  type ListFilter,
  type SequenceWithPhases,
  type SpeciesRow,
  type Visible,
} from './catalog.repository.js';
import type {
  CultivarPatch,
  FamilyPatch,
  ListQuery,
  NewCultivar,
  NewFamily,
  NewSequence,
  NewSpecies,
  SequencePatch,
  SpeciesPatch,
} from './catalog.schemas.js';
import { loadCatalogSeed, type SeedResult } from './catalog.seed.js';

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  auth: AuthService;
}

/** Who reads: anyone signed in, the global catalogue; or a farm's member, the global rows and the farm's own. */
export type CatalogScope = { caller: Caller } | { farm: FarmContext };

export interface Paged<T> {
  rows: T[];
  nextCursor: string | null;
}

/** A species with what its page shows: its family, its sequence and phases, its cultivars. */
export interface SpeciesDetail {
  species: SpeciesRow;
  family: FamilyRow;
  sequence: SequenceWithPhases;
  cultivars: CultivarRow[];
}

type Table = 'catalog_families' | 'catalog_species' | 'catalog_cultivars' | 'catalog_sequences';

const WHAT: Record<Table, string> = {
  catalog_families: 'family',
  catalog_species: 'species',
  catalog_cultivars: 'cultivar',
  catalog_sequences: 'sequence',
};

/** 400 naming every field: `body.ph[1]`. */
function refuse(problems: Problem[]): never {
  const fields = problems.map((p) => ({ field: `body.${p.field}`, message: p.message }));
  const summary = fields
    .slice(0, 3)
    .map((f) => `${f.field} ${f.message}`)
    .join('; ');
  throw invalid(`The request is not valid: ${summary}`, { fields });
}

const origin = (farmId: string | null) => (farmId === null ? 'global' : 'farm');

/** A global row is the shared catalogue's: a farm reads it, and never writes it. */
const globalRow = (table: Table, id: string) =>
  new DomainError(
    'forbidden',
    'GLOBAL_ROW_READ_ONLY',
    `This ${WHAT[table]} belongs to the catalogue shipped with Croft: a farm cannot change it. Add one of your own instead.`,
    { id },
  );

const nameTaken = (
  table: Table,
  field: string,
  name: string,
  holder: { id: string; key: string; farm_id: string | null },
) =>
  conflict(
    'NAME_TAKEN',
    holder.farm_id === null
      ? `"${name}" is already a ${WHAT[table]} of the shared catalogue: use it, or name yours differently`
      : `This farm already has a ${WHAT[table]} named "${name}"`,
    { field, existing: { id: holder.id, key: holder.key, origin: origin(holder.farm_id) } },
  );

const keyTaken = (table: Table, key: string, holder: { id: string; farm_id: string | null }) =>
  conflict(
    'KEY_TAKEN',
    holder.farm_id === null
      ? `"${key}" is the key of a ${WHAT[table]} of the shared catalogue`
      : `This farm already has a ${WHAT[table]} with the key "${key}"`,
    { field: 'body.key', existing: { id: holder.id, key, origin: origin(holder.farm_id) } },
  );

/** Warnings name the request's fields, as errors do. */
const inBody = (warnings: Warning[]): Warning[] => warnings.map((w) => ({ ...w, field: `body.${w.field}` }));

const inUse = (table: Table, message: string, id: string) =>
  conflict('IN_USE', `This ${WHAT[table]} is still in use: ${message}`, { id });

/**
 * The plant catalogue: the global rows shipped with Croft (loaded from the seed files at start) and each
 * farm's own families, species, cultivars and phase sequences beside them.
 */
export class CatalogService {
  constructor(private readonly deps: Deps) {}

  /** Loads the seed files when they changed since the last load (see catalog.seed.ts). */
  loadSeed(): Promise<SeedResult> {
    const { db, clock, log, config } = this.deps;
    return loadCatalogSeed(db, { dir: config.catalogSeedDir, clock, log: log.child({ component: 'catalog' }) });
  }

  // -------------------------------------------------------------------------------------------------
  // Reading

  #read<T>(at: CatalogScope, fn: (tx: Tx, visible: Visible) => Promise<T>): Promise<T> {
    const { db } = this.deps;
    if ('farm' in at) return db.farm(at.farm.farmId, (tx) => fn(tx, { farmId: at.farm.farmId }));
    const caller = at.caller;
    // Global rows only, whatever the scope shows besides: a person reads in their own scope, a farm's API
    // key in its farm's.
    if (caller.kind === 'user') return db.user(caller.userId, (tx) => fn(tx, 'global'));
    return db.farm(caller.farmId, (tx) => fn(tx, 'global'));
  }

  /** The languages a search matches common names in (see {@link searchLanguages}). */
  async #languages(at: CatalogScope, acceptLanguage: string | undefined): Promise<string[]> {
    const caller = 'farm' in at ? at.farm.caller : at.caller;
    const profile = caller.kind === 'user' ? (await this.deps.auth.me(caller)).locale : undefined;
    return searchLanguages(profile, acceptLanguage);
  }

  async #filter(at: CatalogScope, query: ListQuery, acceptLanguage: string | undefined): Promise<ListFilter> {
    let after: [string, string] | undefined;
    if (query.cursor !== undefined) {
      after = decodeCursor(query.cursor);
      if (!after) {
        throw invalid('The request is not valid: query.cursor is not a cursor of this list', {
          fields: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
        });
      }
    }
    return {
      q: query.q?.trim() || undefined,
      languages: query.q?.trim() ? await this.#languages(at, acceptLanguage) : [],
      includeRetired: query.include_retired ?? false,
      after,
      limit: query.limit ?? 50,
    };
  }

  static #page<T extends { id: string }>(rows: T[], limit: number, sortValue: (row: T) => string): Paged<T> {
    const last = rows.at(-1);
    return { rows, nextCursor: last && rows.length === limit ? encodeCursor(sortValue(last), last.id) : null };
  }

  /** The starter kits that ship with Croft, in their files' order. */
  starterKits(at: CatalogScope) {
    return this.#read(at, (tx) => catalogReads.starterKits(tx));
  }

  async listFamilies(at: CatalogScope, query: ListQuery, acceptLanguage?: string): Promise<Paged<FamilyRow>> {
    const filter = await this.#filter(at, query, acceptLanguage);
    const rows = await this.#read(at, (tx, visible) => repo.listFamilies(tx, visible, filter));
    return CatalogService.#page(rows, filter.limit, (r) => r.name);
  }

  async listSpecies(at: CatalogScope, query: ListQuery, acceptLanguage?: string): Promise<Paged<SpeciesRow>> {
    const filter = await this.#filter(at, query, acceptLanguage);
    const rows = await this.#read(at, async (tx, visible) => {
      const familyIds = query.family ? await repo.idsOf(tx, 'catalog_families', visible, query.family) : undefined;
      return repo.listSpecies(tx, visible, { ...filter, familyIds, category: query.category });
    });
    return CatalogService.#page(rows, filter.limit, (r) => r.scientific_name);
  }

  async listCultivars(at: CatalogScope, query: ListQuery, acceptLanguage?: string): Promise<Paged<CultivarRow>> {
    const filter = await this.#filter(at, query, acceptLanguage);
    const rows = await this.#read(at, async (tx, visible) => {
      const speciesIds = query.species ? await repo.idsOf(tx, 'catalog_species', visible, query.species) : undefined;
      return repo.listCultivars(tx, visible, { ...filter, speciesIds });
    });
    return CatalogService.#page(rows, filter.limit, (r) => r.name);
  }

  async listSequences(at: CatalogScope, query: ListQuery): Promise<Paged<SequenceWithPhases>> {
    const filter = await this.#filter(at, query, undefined);
    const rows = await this.#read(at, (tx, visible) => repo.listSequences(tx, visible, filter));
    return CatalogService.#page(rows, filter.limit, (r) => r.key);
  }

  async family(at: CatalogScope, ref: string): Promise<FamilyRow> {
    const row = await this.#read(at, (tx, visible) => repo.findFamily(tx, visible, ref));
    if (!row) throw notFound('Family', { ref });
    return row;
  }

  async cultivar(at: CatalogScope, ref: string): Promise<CultivarRow> {
    const row = await this.#read(at, (tx, visible) => repo.findCultivar(tx, visible, ref));
    if (!row) throw notFound('Cultivar', { ref });
    return row;
  }

  async sequence(at: CatalogScope, ref: string): Promise<SequenceWithPhases> {
    const row = await this.#read(at, (tx, visible) => repo.findSequence(tx, visible, ref));
    if (!row) throw notFound('Sequence', { ref });
    return row;
  }

  /** One species with its family, its sequence's phases (its overrides applied by the view) and its cultivars. */
  async species(at: CatalogScope, ref: string): Promise<SpeciesDetail> {
    const detail = await this.#read(at, async (tx, visible) => {
      const species = await repo.findSpecies(tx, visible, ref);
      if (!species) return undefined;
      const [family, sequence, cultivars] = [
        await repo.findFamily(tx, visible, species.family_id),
        await repo.findSequence(tx, visible, species.sequence_id),
        await repo.cultivarsOfSpecies(tx, visible, species.id),
      ];
      return { species, family: family!, sequence: sequence!, cultivars };
    });
    if (!detail) throw notFound('Species', { ref });
    return detail;
  }

  // -------------------------------------------------------------------------------------------------
  // A farm's own rows

  /** The farm's own row a write names: 404 when the farm does not see it, 403 when it is a global row. */
  async #own<T extends { id: string; farm_id: string | null }>(
    table: Table,
    ref: string,
    find: () => Promise<T | undefined>,
  ): Promise<T> {
    const row = await find();
    if (!row) throw notFound(WHAT[table][0]!.toUpperCase() + WHAT[table].slice(1), { ref });
    if (row.farm_id === null) throw globalRow(table, row.id);
    return row;
  }

  /** The key a new row gets: the one asked for (409 when the farm already sees it), or one made from its name. */
  async #key(tx: Tx, table: Table, farmId: string, asked: string | undefined, made: string): Promise<string> {
    if (asked !== undefined) {
      const holder = await repo.keyHolder(tx, table, farmId, asked);
      if (holder) throw keyTaken(table, asked, holder);
      return asked;
    }
    return freeKey(made, await repo.keysLike(tx, table, farmId, made));
  }

  async #audit(tx: Tx, ctx: FarmContext, meta: RequestMeta, what: string, message: string, data: object) {
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: `catalog.${what}`,
      category: 'catalog',
      severity: what.endsWith('deleted') ? 'warning' : 'info',
      message,
      data: data as Record<string, unknown>,
    });
  }

  #retiredAt(retired: boolean | undefined, current: Date | null): { retired_at?: Date | null } {
    if (retired === undefined) return {};
    return { retired_at: retired ? (current ?? this.deps.clock.now()) : null };
  }

  // Families

  async createFamily(ctx: FarmContext, body: NewFamily, meta: RequestMeta): Promise<FamilyRow> {
    const input = normalizeFamily(body);
    const problems = familyProblems(input);
    if (problems.length) refuse(problems);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const clash = await repo.familyNamed(tx, ctx.farmId, input.name);
      if (clash) throw nameTaken('catalog_families', 'body.name', input.name, clash);
      const key = await this.#key(tx, 'catalog_families', ctx.farmId, input.key, keyFromName(input.name, 'family'));
      const now = this.deps.clock.now();
      const id = await repo.insertFamily(tx, {
        ...familyColumns(input),
        farm_id: ctx.farmId,
        key,
        created_at: now,
        updated_at: now,
      });
      await this.#audit(tx, ctx, meta, 'family.created', `Family ${input.name} added`, { id, key });
      return (await repo.findFamily(tx, ctx, id))!;
    });
  }

  async updateFamily(ctx: FarmContext, ref: string, patch: FamilyPatch, meta: RequestMeta): Promise<FamilyRow> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_families', ref, () => repo.findFamily(tx, ctx, ref));
      const { retired, ...changes } = patch;
      const input = normalizeFamily({ ...familyInputOf(current), ...changes });
      const problems = familyProblems(input);
      if (problems.length) refuse(problems);
      const clash = await repo.familyNamed(tx, ctx.farmId, input.name, current.id);
      if (clash) throw nameTaken('catalog_families', 'body.name', input.name, clash);
      await repo.updateFamily(tx, ctx.farmId, current.id, {
        ...familyColumns(input),
        ...this.#retiredAt(retired, current.retired_at),
        updated_at: this.deps.clock.now(),
      });
      await this.#audit(tx, ctx, meta, 'family.updated', `Family ${input.name} changed`, {
        id: current.id,
        changed: Object.keys(patch),
      });
      return (await repo.findFamily(tx, ctx, current.id))!;
    });
  }

  async removeFamily(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_families', ref, () => repo.findFamily(tx, ctx, ref));
      const used = await repo.speciesUsing(tx, 'family_id', current.id);
      if (used > 0) throw inUse('catalog_families', `${used} species belong to it`, current.id);
      await repo.remove(tx, 'catalog_families', ctx.farmId, current.id);
      await this.#audit(tx, ctx, meta, 'family.deleted', `Family ${current.name} deleted`, { id: current.id });
    });
  }

  // Species

  /**
   * Checks a species and resolves its family and sequence among the rows the farm sees. A retired one
   * is refused when newly named; the one a species already has stays acceptable.
   */
  async #checkSpecies(tx: Tx, ctx: FarmContext, input: NewSpecies, current?: SpeciesRow) {
    const family = await repo.findFamily(tx, ctx, input.family);
    const sequence = await repo.findSequence(tx, ctx, input.sequence);
    const problems: Problem[] = [];
    if (!family || (family.retired_at && family.id !== current?.family_id)) {
      problems.push({ field: 'family', message: 'is not a family of the catalogue this farm sees' });
    }
    if (!sequence || (sequence.retired_at && sequence.id !== current?.sequence_id)) {
      problems.push({
        field: 'sequence',
        message: 'is not a lifecycle phase sequence of the catalogue this farm sees',
      });
    }
    problems.push(...speciesProblems(input, sequence ? { phaseKeys: sequence.phases.map((p) => p.key) } : {}));
    if (problems.length) refuse(problems);
    return { family: family!, sequence: sequence! };
  }

  async createSpecies(ctx: FarmContext, body: NewSpecies, meta: RequestMeta): Promise<SpeciesRow> {
    const input = normalizeSpecies(body);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const { family, sequence } = await this.#checkSpecies(tx, ctx, input);
      const clash = await repo.speciesNamed(tx, ctx.farmId, input.scientific_name);
      if (clash) throw nameTaken('catalog_species', 'body.scientific_name', input.scientific_name, clash);
      const key = await this.#key(
        tx,
        'catalog_species',
        ctx.farmId,
        input.key,
        keyFromName(input.scientific_name, 'species'),
      );
      const now = this.deps.clock.now();
      const id = await repo.insertSpecies(tx, {
        ...speciesColumns(input, family.id, sequence.id),
        farm_id: ctx.farmId,
        key,
        created_at: now,
        updated_at: now,
      });
      await this.#audit(tx, ctx, meta, 'species.created', `Species ${input.scientific_name} added`, { id, key });
      return (await repo.findSpecies(tx, ctx, id))!;
    });
  }

  async updateSpecies(ctx: FarmContext, ref: string, patch: SpeciesPatch, meta: RequestMeta): Promise<SpeciesRow> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_species', ref, () => repo.findSpecies(tx, ctx, ref));
      const { retired, ...changes } = patch;
      const input = normalizeSpecies({
        ...speciesInputOf(current, current.family_id, current.sequence_id),
        ...changes,
      });
      const { family, sequence } = await this.#checkSpecies(tx, ctx, input, current);
      const clash = await repo.speciesNamed(tx, ctx.farmId, input.scientific_name, current.id);
      if (clash) throw nameTaken('catalog_species', 'body.scientific_name', input.scientific_name, clash);
      await repo.updateSpecies(tx, ctx.farmId, current.id, {
        ...speciesColumns(input, family.id, sequence.id),
        ...this.#retiredAt(retired, current.retired_at),
        updated_at: this.deps.clock.now(),
      });
      await this.#audit(tx, ctx, meta, 'species.updated', `Species ${input.scientific_name} changed`, {
        id: current.id,
        changed: Object.keys(patch),
      });
      return (await repo.findSpecies(tx, ctx, current.id))!;
    });
  }

  async removeSpecies(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_species', ref, () => repo.findSpecies(tx, ctx, ref));
      const used = await repo.cultivarsUsing(tx, current.id);
      if (used > 0) throw inUse('catalog_species', `${used} cultivars belong to it`, current.id);
      // Plants and planting runs refuse the delete through their foreign keys (409 IN_USE).
      await repo.remove(tx, 'catalog_species', ctx.farmId, current.id);
      await this.#audit(tx, ctx, meta, 'species.deleted', `Species ${current.scientific_name} deleted`, {
        id: current.id,
      });
    });
  }

  // Cultivars

  async #checkCultivar(tx: Tx, ctx: FarmContext, input: CultivarInput, speciesRef: string) {
    const species = await repo.findSpecies(tx, ctx, speciesRef);
    const problems: Problem[] = [];
    if (!species || species.retired_at) {
      problems.push({ field: 'species', message: 'is not a species of the catalogue this farm sees' });
    }
    problems.push(...cultivarProblems(input, species ? { speciesKey: species.key } : {}));
    if (problems.length) refuse(problems);
    return species!;
  }

  async createCultivar(ctx: FarmContext, body: NewCultivar, meta: RequestMeta): Promise<CultivarRow> {
    const input = normalizeCultivar(body);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const species = await this.#checkCultivar(tx, ctx, input, input.species);
      const clash = await repo.cultivarNamed(tx, ctx.farmId, species.id, input.name);
      if (clash) throw nameTaken('catalog_cultivars', 'body.name', input.name, clash);
      const key = await this.#key(
        tx,
        'catalog_cultivars',
        ctx.farmId,
        input.key,
        `${species.key}/${keyFromName(input.name, 'cultivar')}`,
      );
      const now = this.deps.clock.now();
      const id = await repo.insertCultivar(tx, {
        ...cultivarColumns(input, species.id),
        farm_id: ctx.farmId,
        key,
        created_at: now,
        updated_at: now,
      });
      await this.#audit(tx, ctx, meta, 'cultivar.created', `Cultivar ${input.name} added`, { id, key });
      return (await repo.findCultivar(tx, ctx, id))!;
    });
  }

  async updateCultivar(ctx: FarmContext, ref: string, patch: CultivarPatch, meta: RequestMeta): Promise<CultivarRow> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_cultivars', ref, () => repo.findCultivar(tx, ctx, ref));
      const { retired, ...changes } = patch;
      const input = normalizeCultivar({
        key: current.key,
        species: current.species_id,
        name: current.name,
        breeder: current.breeder,
        days_to_maturity: current.days_to_maturity,
        traits: current.traits,
        resistances: current.resistances,
        sources: current.sources,
        ...changes,
      });
      // Its species stays; a retired one is no reason to refuse other changes.
      const problems = cultivarProblems(input, { speciesKey: current.species_key });
      if (problems.length) refuse(problems);
      const clash = await repo.cultivarNamed(tx, ctx.farmId, current.species_id, input.name, current.id);
      if (clash) throw nameTaken('catalog_cultivars', 'body.name', input.name, clash);
      await repo.updateCultivar(tx, ctx.farmId, current.id, {
        ...cultivarColumns(input, current.species_id),
        ...this.#retiredAt(retired, current.retired_at),
        updated_at: this.deps.clock.now(),
      });
      await this.#audit(tx, ctx, meta, 'cultivar.updated', `Cultivar ${input.name} changed`, {
        id: current.id,
        changed: Object.keys(patch),
      });
      return (await repo.findCultivar(tx, ctx, current.id))!;
    });
  }

  async removeCultivar(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_cultivars', ref, () => repo.findCultivar(tx, ctx, ref));
      await repo.remove(tx, 'catalog_cultivars', ctx.farmId, current.id);
      await this.#audit(tx, ctx, meta, 'cultivar.deleted', `Cultivar ${current.name} deleted`, { id: current.id });
    });
  }

  // Sequences

  async createSequence(
    ctx: FarmContext,
    input: NewSequence,
    meta: RequestMeta,
  ): Promise<{ sequence: SequenceWithPhases; warnings: Warning[] }> {
    const problems = sequenceProblems(input);
    if (problems.length) refuse(problems);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const holder = await repo.keyHolder(tx, 'catalog_sequences', ctx.farmId, input.key);
      if (holder) throw keyTaken('catalog_sequences', input.key, holder);
      const now = this.deps.clock.now();
      const id = await repo.insertSequence(tx, {
        ...sequenceColumns(input),
        farm_id: ctx.farmId,
        key: input.key,
        created_at: now,
        updated_at: now,
      });
      await repo.upsertPhases(tx, id, ctx.farmId, input.phases.map(phaseColumns));
      await this.#audit(tx, ctx, meta, 'sequence.created', `Phase sequence ${input.key} added`, { id });
      return { sequence: (await repo.findSequence(tx, ctx, id))!, warnings: inBody(sequenceWarnings(input)) };
    });
  }

  async updateSequence(
    ctx: FarmContext,
    ref: string,
    patch: SequencePatch,
    meta: RequestMeta,
  ): Promise<{ sequence: SequenceWithPhases; warnings: Warning[] }> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_sequences', ref, () => repo.findSequence(tx, ctx, ref));
      const { retired, ...changes } = patch;
      const input: SequenceInput = {
        key: current.key,
        lifecycle: current.lifecycle,
        dormancy_required: current.dormancy_required,
        vernalization_required: current.vernalization_required,
        restart_phase: current.restart_phase,
        phases: current.phases.map(phaseInputOf),
        ...changes,
      };
      const problems = sequenceProblems(input);
      if (problems.length) refuse(problems);
      await repo.updateSequence(tx, ctx.farmId, current.id, {
        ...sequenceColumns(input),
        ...this.#retiredAt(retired, current.retired_at),
        updated_at: this.deps.clock.now(),
      });
      if (changes.phases) {
        // A phase left out goes; its foreign keys refuse while a plant is in it (409 IN_USE).
        await repo.deletePhasesExcept(
          tx,
          current.id,
          changes.phases.map((p) => p.key),
        );
        await repo.upsertPhases(tx, current.id, ctx.farmId, changes.phases.map(phaseColumns));
      }
      await this.#audit(tx, ctx, meta, 'sequence.updated', `Phase sequence ${current.key} changed`, {
        id: current.id,
        changed: Object.keys(patch),
      });
      return {
        sequence: (await repo.findSequence(tx, ctx, current.id))!,
        warnings: changes.phases ? inBody(sequenceWarnings(input)) : [],
      };
    });
  }

  async removeSequence(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own('catalog_sequences', ref, () => repo.findSequence(tx, ctx, ref));
      const used = await repo.speciesUsing(tx, 'sequence_id', current.id);
      if (used > 0) throw inUse('catalog_sequences', `${used} species follow it`, current.id);
      await repo.remove(tx, 'catalog_sequences', ctx.farmId, current.id);
      await this.#audit(tx, ctx, meta, 'sequence.deleted', `Phase sequence ${current.key} deleted`, {
        id: current.id,
      });
    });
  }
}
