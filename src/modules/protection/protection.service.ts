import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads } from '../catalog/index.js';
import { diseaseColumns, pestColumns, treatmentColumns } from './protection.columns.js';
import { protectionRepository as repo, type TargetRef } from './protection.repository.js';
import type {
  DiseaseFilterQuery,
  DiseasePatch,
  IntervalInput,
  NewDisease,
  NewPest,
  NewTreatment,
  PestFilterQuery,
  PestPatch,
  TreatmentFilterQuery,
  TreatmentPatch,
} from './protection.schemas.js';
import { chemicalTreatmentProblems, modeOfActionProblems, type Problem } from './protection.seed-rules.js';
import type { DiseaseRow, IntervalConfirmationRow, PestRow, TreatmentRecord } from './protection.tables.js';

interface Deps {
  db: Database;
  clock: Clock;
}

export interface Paged<T> {
  rows: T[];
  nextCursor: string | null;
}

export interface PestAnswer {
  row: PestRow;
  hosts: string[];
}
export interface DiseaseAnswer {
  row: DiseaseRow;
  hosts: string[];
}
export interface TreatmentAnswer {
  row: TreatmentRecord;
  targets: { pests: TargetRef[]; diseases: TargetRef[] };
  confirmation: IntervalConfirmationRow | undefined;
}

type Kind = 'pest' | 'disease' | 'treatment';
const TABLES = {
  pest: 'protection_pests',
  disease: 'protection_diseases',
  treatment: 'protection_treatments',
} as const;
const NOUN = { pest: 'Pest', disease: 'Disease', treatment: 'Treatment' } as const;

/** A 400 naming each field a rule refused; nothing when there are none. */
function refuse(problems: Problem[]): void {
  if (problems.length === 0) return;
  throw invalid(`The request is not valid: ${problems.map((p) => `body.${p.field} ${p.message}`).join('; ')}`, {
    fields: problems.map((p) => ({ field: `body.${p.field}`, message: p.message })),
  });
}

/** A list's cursor: its sort key [lower(name), id] as base64url JSON. */
const encodeCursor = (key: [string, string]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string];
  } catch {
    // not a cursor of ours
  }
  return undefined;
}

function afterOf(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const after = decodeCursor(cursor);
  if (!after)
    throw invalid('The request is not valid: query.cursor is not a cursor of this list', {
      fields: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
    });
  return after;
}

const page = <R extends { name: string; id: string }, T>(rows: R[], limit: number, answers: T[]): Paged<T> => {
  const last = rows.at(-1);
  return {
    rows: answers,
    nextCursor: last && rows.length === limit ? encodeCursor([last.name.toLowerCase(), last.id]) : null,
  };
};

/** A global row is Croft's: a farm reads it and never writes it. */
const globalRow = (kind: Kind, id: string) =>
  new DomainError(
    'forbidden',
    'GLOBAL_ROW_READ_ONLY',
    `This ${kind} ships with Croft: a farm cannot change or delete it. Add one of your own instead` +
      (kind === 'treatment' ? ', or confirm its interval with PUT …/interval.' : '.'),
    { id },
  );

/** A treatment's own rules beyond its shape: a target, the chemical rule, a biological's organism. */
export function treatmentRuleProblems(t: {
  method: string;
  pests: readonly string[];
  diseases: readonly string[];
  active_ingredient: string | null;
  organism: string | null;
  mode_of_action: { scheme: string; code: string } | null;
  pre_harvest_interval_days: number | null;
}): Problem[] {
  const problems: Problem[] = [];
  if (t.pests.length + t.diseases.length === 0)
    problems.push({ field: 'pests', message: 'a treatment acts against at least one pest or disease' });
  problems.push(...chemicalTreatmentProblems(t));
  if (t.method !== 'chemical' && t.mode_of_action) problems.push(...modeOfActionProblems(t.mode_of_action));
  if (t.method === 'biological' && !t.organism)
    problems.push({ field: 'organism', message: 'is required for a biological treatment: name the organism' });
  return problems;
}

/**
 * The plant-protection catalogue: pests, diseases and treatments that ship with Croft (read-only) and a
 * farm's own, and the farm's confirmed pre-harvest intervals. Managers write the farm's own rows and
 * confirm intervals (as in the plant catalogue); everyone in the farm reads.
 */
export class ProtectionService {
  constructor(private readonly deps: Deps) {}

  // Reads

  async listPests(ctx: FarmContext, q: PestFilterQuery): Promise<Paged<PestAnswer>> {
    const limit = q.limit ?? 50;
    const after = afterOf(q.cursor);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await repo.listPests(tx, { ...q, after, limit });
      const hosts = await repo.pestHosts(
        tx,
        rows.map((r) => r.id),
      );
      return page(
        rows,
        limit,
        rows.map((row) => ({ row, hosts: hosts.get(row.id) ?? [] })),
      );
    });
  }

  async listDiseases(ctx: FarmContext, q: DiseaseFilterQuery): Promise<Paged<DiseaseAnswer>> {
    const limit = q.limit ?? 50;
    const after = afterOf(q.cursor);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await repo.listDiseases(tx, { ...q, after, limit });
      const hosts = await repo.diseaseHosts(
        tx,
        rows.map((r) => r.id),
      );
      return page(
        rows,
        limit,
        rows.map((row) => ({ row, hosts: hosts.get(row.id) ?? [] })),
      );
    });
  }

  async listTreatments(ctx: FarmContext, q: TreatmentFilterQuery): Promise<Paged<TreatmentAnswer>> {
    const limit = q.limit ?? 50;
    const after = afterOf(q.cursor);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await repo.listTreatments(tx, { ...q, after, limit });
      return page(rows, limit, await this.#treatmentAnswers(tx, ctx.farmId, rows));
    });
  }

  pest(ctx: FarmContext, id: string): Promise<PestAnswer> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#pestAnswer(tx, id));
  }

  disease(ctx: FarmContext, id: string): Promise<DiseaseAnswer> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#diseaseAnswer(tx, id));
  }

  treatment(ctx: FarmContext, id: string): Promise<TreatmentAnswer> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#treatmentAnswer(tx, ctx.farmId, id));
  }

  // A farm's own pests

  async createPest(ctx: FarmContext, input: NewPest, meta: RequestMeta): Promise<PestAnswer & { created: boolean }> {
    const columns = pestColumns(input);
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#familiesKnown(tx, input.host_families);
      const { row, created } = await this.#create(tx, ctx, 'pest', input, async (id, hash) => {
        await this.#nameFree(tx, 'pest', ctx.farmId, columns.name);
        const row = await repo.insertPest(tx, {
          ...columns,
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          key: null,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        });
        if (row) {
          await repo.setHosts(tx, 'pest', row.id, ctx.farmId, input.host_families);
          await this.#audit(tx, ctx, meta, 'protection.pest_created', `Pest ${row.name} added`, row.id);
        }
        return row;
      });
      return { ...(await this.#pestAnswer(tx, row.id)), created };
    });
  }

  async updatePest(ctx: FarmContext, id: string, patch: PestPatch, meta: RequestMeta): Promise<PestAnswer> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own(tx, 'pest', id);
      const columns = pestColumns({ ...(current as PestRow), ...defined(patch) });
      if (patch.name !== undefined) await this.#nameFree(tx, 'pest', ctx.farmId, columns.name, id);
      if (patch.host_families) {
        await this.#familiesKnown(tx, patch.host_families);
        await repo.setHosts(tx, 'pest', id, ctx.farmId, patch.host_families);
      }
      await repo.updatePest(tx, id, { ...columns, updated_at: now });
      await this.#audit(tx, ctx, meta, 'protection.pest_updated', `Pest ${columns.name} changed`, id, {
        changed: Object.keys(patch),
      });
      return this.#pestAnswer(tx, id);
    });
  }

  // A farm's own diseases

  async createDisease(
    ctx: FarmContext,
    input: NewDisease,
    meta: RequestMeta,
  ): Promise<DiseaseAnswer & { created: boolean }> {
    const columns = diseaseColumns(input);
    refuse(diseaseRuleProblems(columns));
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#familiesKnown(tx, input.host_families);
      const { row, created } = await this.#create(tx, ctx, 'disease', input, async (id, hash) => {
        await this.#nameFree(tx, 'disease', ctx.farmId, columns.name);
        const row = await repo.insertDisease(tx, {
          ...columns,
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          key: null,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        });
        if (row) {
          await repo.setHosts(tx, 'disease', row.id, ctx.farmId, input.host_families);
          await this.#audit(tx, ctx, meta, 'protection.disease_created', `Disease ${row.name} added`, row.id);
        }
        return row;
      });
      return { ...(await this.#diseaseAnswer(tx, row.id)), created };
    });
  }

  async updateDisease(ctx: FarmContext, id: string, patch: DiseasePatch, meta: RequestMeta): Promise<DiseaseAnswer> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own(tx, 'disease', id);
      const columns = diseaseColumns({ ...(current as DiseaseRow), ...defined(patch) });
      refuse(diseaseRuleProblems(columns));
      if (patch.name !== undefined) await this.#nameFree(tx, 'disease', ctx.farmId, columns.name, id);
      if (patch.host_families) {
        await this.#familiesKnown(tx, patch.host_families);
        await repo.setHosts(tx, 'disease', id, ctx.farmId, patch.host_families);
      }
      await repo.updateDisease(tx, id, { ...columns, updated_at: now });
      await this.#audit(tx, ctx, meta, 'protection.disease_updated', `Disease ${columns.name} changed`, id, {
        changed: Object.keys(patch),
      });
      return this.#diseaseAnswer(tx, id);
    });
  }

  // A farm's own treatments

  async createTreatment(
    ctx: FarmContext,
    input: NewTreatment,
    meta: RequestMeta,
  ): Promise<TreatmentAnswer & { created: boolean }> {
    const columns = treatmentColumns(input);
    const pests = input.pests ?? [];
    const diseases = input.diseases ?? [];
    refuse(treatmentRuleProblems({ ...columns, mode_of_action: input.mode_of_action ?? null, pests, diseases }));
    refuse(statusProblems(input));
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#targetsVisible(tx, pests, diseases);
      const { row, created } = await this.#create(tx, ctx, 'treatment', input, async (id, hash) => {
        await this.#nameFree(tx, 'treatment', ctx.farmId, columns.name);
        const row = await repo.insertTreatment(tx, {
          ...columns,
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          key: null,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        });
        if (row) {
          await repo.setTargets(tx, row.id, ctx.farmId, pests, diseases);
          await this.#audit(tx, ctx, meta, 'protection.treatment_created', `Treatment ${row.name} added`, row.id);
        }
        return row;
      });
      return { ...(await this.#treatmentAnswer(tx, ctx.farmId, row.id)), created };
    });
  }

  /**
   * Changes the farm's own treatment. New interval days without `interval_status` are `typical` again:
   * a changed interval is confirmed anew.
   */
  async updateTreatment(
    ctx: FarmContext,
    id: string,
    patch: TreatmentPatch,
    meta: RequestMeta,
  ): Promise<TreatmentAnswer> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = (await this.#own(tx, 'treatment', id)) as TreatmentRecord;
      const targets = (await repo.targets(tx, [id])).get(id)!;
      const pests = patch.pests ?? targets.pests.map((p) => p.id);
      const diseases = patch.diseases ?? targets.diseases.map((d) => d.id);
      const mode_of_action =
        patch.mode_of_action !== undefined
          ? patch.mode_of_action
          : current.moa_scheme && current.moa_code
            ? { scheme: current.moa_scheme, code: current.moa_code }
            : null;
      const daysChanged =
        patch.pre_harvest_interval_days !== undefined &&
        patch.pre_harvest_interval_days !== current.pre_harvest_interval_days;
      const merged = {
        ...current,
        ...defined(patch),
        mode_of_action,
        interval_status: patch.interval_status ?? (daysChanged ? 'typical' : (current.interval_status ?? undefined)),
      };
      const columns = treatmentColumns(merged);
      refuse(treatmentRuleProblems({ ...columns, mode_of_action, pests, diseases }));
      refuse(statusProblems(merged));
      if (patch.name !== undefined) await this.#nameFree(tx, 'treatment', ctx.farmId, columns.name, id);
      if (patch.pests || patch.diseases) {
        await this.#targetsVisible(tx, pests, diseases);
        await repo.setTargets(tx, id, ctx.farmId, pests, diseases);
      }
      await repo.updateTreatment(tx, id, { ...columns, updated_at: now });
      await this.#audit(tx, ctx, meta, 'protection.treatment_updated', `Treatment ${columns.name} changed`, id, {
        changed: Object.keys(patch),
      });
      return this.#treatmentAnswer(tx, ctx.farmId, id);
    });
  }

  /**
   * The farm confirms (or corrects) a treatment's pre-harvest interval from the label of the product it
   * uses: for one of Croft's treatments it is kept as the farm's own confirmation (the seeded value
   * stays, as typical); on the farm's own treatment the row itself becomes confirmed.
   */
  async confirmInterval(
    ctx: FarmContext,
    id: string,
    input: IntervalInput,
    meta: RequestMeta,
  ): Promise<TreatmentAnswer> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await repo.treatment(tx, id);
      if (!row) throw notFound('Treatment', { id });
      if (row.farm_id === null) {
        await repo.confirm(tx, {
          farm_id: ctx.farmId,
          treatment_id: id,
          days: input.days,
          confirmed_by: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          confirmed_at: now,
        });
      } else {
        await repo.updateTreatment(tx, id, {
          pre_harvest_interval_days: input.days,
          interval_status: 'confirmed',
          updated_at: now,
        });
      }
      await this.#audit(
        tx,
        ctx,
        meta,
        'protection.interval_confirmed',
        `Pre-harvest interval of ${row.name} confirmed: ${input.days} days`,
        id,
        { days: input.days, typical_days: row.pre_harvest_interval_days },
      );
      return this.#treatmentAnswer(tx, ctx.farmId, id);
    });
  }

  /** Deletes the farm's own pest, disease or treatment (links to it go with it). */
  async remove(ctx: FarmContext, kind: Kind, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await this.#own(tx, kind, id);
      await repo.remove(tx, TABLES[kind], ctx.farmId, id);
      await this.#audit(tx, ctx, meta, `protection.${kind}_deleted`, `${NOUN[kind]} ${row.name} deleted`, id);
    });
  }

  // Helpers

  async #create<R extends { request_hash: string | null; farm_id: string | null }>(
    tx: Tx,
    ctx: FarmContext,
    kind: Kind,
    input: { id?: string | undefined },
    insert: (id: string | undefined, hash: string | null) => Promise<R | undefined>,
  ): Promise<{ row: R; created: boolean }> {
    const clientId = input.id;
    if (!clientId) return { row: (await insert(undefined, null))!, created: true };
    return idempotent({
      request: { ...input, id: undefined },
      // Ids are unique across Croft (global rows share the table): an id the farm does not see but that
      // is taken answers like a concurrent twin that vanished (409 TRY_AGAIN).
      find: async () => {
        const found = (await this.#byId(tx, kind, clientId)) as R | undefined;
        return found?.farm_id === ctx.farmId ? found : undefined;
      },
      create: (hash) => insert(clientId, hash),
      storedHash: (r) => r.request_hash,
      details: { id: clientId },
    });
  }

  #byId(tx: Tx, kind: Kind, id: string) {
    return kind === 'pest' ? repo.pest(tx, id) : kind === 'disease' ? repo.disease(tx, id) : repo.treatment(tx, id);
  }

  /** The farm's own row a write names: 404 when unseen, 403 GLOBAL_ROW_READ_ONLY for Croft's. */
  async #own(tx: Tx, kind: Kind, id: string): Promise<PestRow | DiseaseRow | TreatmentRecord> {
    const row = await this.#byId(tx, kind, id);
    if (!row) throw notFound(NOUN[kind], { id });
    if (row.farm_id === null) throw globalRow(kind, id);
    return row;
  }

  async #pestAnswer(tx: Tx, id: string): Promise<PestAnswer> {
    const row = await repo.pest(tx, id);
    if (!row) throw notFound('Pest', { id });
    return { row, hosts: (await repo.pestHosts(tx, [id])).get(id) ?? [] };
  }

  async #diseaseAnswer(tx: Tx, id: string): Promise<DiseaseAnswer> {
    const row = await repo.disease(tx, id);
    if (!row) throw notFound('Disease', { id });
    return { row, hosts: (await repo.diseaseHosts(tx, [id])).get(id) ?? [] };
  }

  async #treatmentAnswer(tx: Tx, farmId: string, id: string): Promise<TreatmentAnswer> {
    const row = await repo.treatment(tx, id);
    if (!row) throw notFound('Treatment', { id });
    return (await this.#treatmentAnswers(tx, farmId, [row]))[0]!;
  }

  async #treatmentAnswers(tx: Tx, farmId: string, rows: TreatmentRecord[]): Promise<TreatmentAnswer[]> {
    const ids = rows.map((r) => r.id);
    const targets = await repo.targets(tx, ids);
    const confirmations = await repo.confirmations(tx, farmId, ids);
    return rows.map((row) => ({
      row,
      targets: targets.get(row.id) ?? { pests: [], diseases: [] },
      confirmation: confirmations.get(row.id),
    }));
  }

  /** Host families must be families the farm sees (Croft's or its own, not retired): 400 naming each other. */
  async #familiesKnown(tx: Tx, keys: readonly string[]): Promise<void> {
    const known = new Set((await catalogReads.familyLinks(tx)).map((f) => f.key));
    refuse(
      keys.flatMap((key, i) =>
        known.has(key) ? [] : [{ field: `host_families[${i}]`, message: `"${key}" is not a family of the catalogue` }],
      ),
    );
  }

  /** Targets must be pests and diseases the farm sees: another farm's or an unknown id is 404. */
  async #targetsVisible(tx: Tx, pests: readonly string[], diseases: readonly string[]): Promise<void> {
    const seenPests = await repo.visiblePests(tx, [...pests]);
    const missingPest = pests.find((id) => !seenPests.has(id));
    if (missingPest) throw notFound('Pest', { id: missingPest });
    const seenDiseases = await repo.visibleDiseases(tx, [...diseases]);
    const missingDisease = diseases.find((id) => !seenDiseases.has(id));
    if (missingDisease) throw notFound('Disease', { id: missingDisease });
  }

  async #nameFree(tx: Tx, kind: Kind, farmId: string, name: string, exceptId?: string) {
    const other = await repo.sameName(tx, TABLES[kind], farmId, name, exceptId);
    if (other)
      throw conflict('ALREADY_EXISTS', `The farm already has a ${kind} named ${name}`, {
        field: 'body.name',
        id: other.id,
      });
  }

  #audit(
    tx: Tx,
    ctx: FarmContext,
    meta: RequestMeta,
    event: string,
    message: string,
    id: string,
    data: Record<string, unknown> = {},
  ) {
    return recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: event,
      category: 'protection',
      message,
      data: { id, ...data },
    });
  }
}

/** The members of a patch that are set (undefined ones left out, null kept: it clears). */
function defined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A disease names its pathogen unless it is a physiological disorder, which has none and is not soil-borne. */
function diseaseRuleProblems(d: { kind: string; pathogen: string | null; soil_borne: boolean }): Problem[] {
  if (d.kind === 'physiological') {
    const problems: Problem[] = [];
    if (d.pathogen !== null) problems.push({ field: 'pathogen', message: 'must be null for a physiological disorder' });
    if (d.soil_borne) problems.push({ field: 'soil_borne', message: 'cannot be true for a physiological disorder' });
    return problems;
  }
  return d.pathogen === null ? [{ field: 'pathogen', message: 'is required unless the kind is physiological' }] : [];
}

/** An interval status only with an interval. */
function statusProblems(t: {
  pre_harvest_interval_days?: number | null | undefined;
  interval_status?: string | null | undefined;
}): Problem[] {
  const hasDays = t.pre_harvest_interval_days !== undefined && t.pre_harvest_interval_days !== null;
  return !hasDays && t.interval_status !== undefined && t.interval_status !== null
    ? [{ field: 'interval_status', message: 'is only given with a pre_harvest_interval_days' }]
    : [];
}
