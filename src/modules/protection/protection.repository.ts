import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type {
  DiseaseRow,
  DiseaseTable,
  IntervalConfirmationRow,
  PestRow,
  PestTable,
  TreatmentRecord,
  TreatmentTable,
} from './protection.tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuids = (ids: readonly string[]) => [...new Set(ids.filter((id) => UUID.test(id)))];
const likeOf = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface ListFilter {
  q?: string | undefined;
  origin?: 'global' | 'farm' | undefined;
  /** A plant-catalogue family key. */
  family?: string | undefined;
  /** The sort key after which the page starts: [lower(name), id]. */
  after?: Array<string | number> | undefined;
  limit: number;
}

export interface PestFilter extends ListFilter {
  kind?: string | undefined;
}
export interface DiseaseFilter extends ListFilter {
  kind?: string | undefined;
}
export interface TreatmentFilter extends ListFilter {
  method?: string | undefined;
  /** A pest's id or key. */
  pest?: string | undefined;
  /** A disease's id or key. */
  disease?: string | undefined;
}

/** A target's id or key, as a condition on the aliased pest or disease table. */
const refIs = (alias: 'p' | 'd', ref: string) =>
  UUID.test(ref) ? sql<boolean>`${sql.ref(`${alias}.id`)} = ${ref}` : sql<boolean>`${sql.ref(`${alias}.key`)} = ${ref}`;

export interface TargetRef {
  id: string;
  key: string | null;
  name: string;
}

/** Every query of the plant-protection catalogue; each takes the caller's transaction first. */
export const protectionRepository = {
  pest(tx: Tx, id: string): Promise<PestRow | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return tx.selectFrom('protection_pests').selectAll().where('id', '=', id).executeTakeFirst();
  },
  disease(tx: Tx, id: string): Promise<DiseaseRow | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return tx.selectFrom('protection_diseases').selectAll().where('id', '=', id).executeTakeFirst();
  },
  treatment(tx: Tx, id: string): Promise<TreatmentRecord | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return tx.selectFrom('protection_treatments').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The visible pests (retired global ones left out), by name and id. */
  listPests(tx: Tx, f: PestFilter): Promise<PestRow[]> {
    let query = tx.selectFrom('protection_pests as p').selectAll('p').where('p.retired_at', 'is', null);
    if (f.kind) query = query.where('p.kind', '=', f.kind as PestRow['kind']);
    if (f.origin) query = query.where('p.farm_id', f.origin === 'global' ? 'is' : 'is not', null);
    if (f.q) {
      const like = likeOf(f.q);
      query = query.where(sql<boolean>`(lower(p.name) like ${like} or lower(p.scientific_name) like ${like})`);
    }
    if (f.family)
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('protection_pest_hosts as h')
            .select('h.pest_id')
            .whereRef('h.pest_id', '=', 'p.id')
            .where('h.family_key', '=', f.family!),
        ),
      );
    if (f.after) query = query.where(sql<boolean>`(lower(p.name), p.id::text) > (${f.after[0]}, ${f.after[1]})`);
    return query
      .orderBy(sql`lower(p.name)`)
      .orderBy(sql`p.id::text`)
      .limit(f.limit)
      .execute();
  },

  listDiseases(tx: Tx, f: DiseaseFilter): Promise<DiseaseRow[]> {
    let query = tx.selectFrom('protection_diseases as d').selectAll('d').where('d.retired_at', 'is', null);
    if (f.kind) query = query.where('d.kind', '=', f.kind as DiseaseRow['kind']);
    if (f.origin) query = query.where('d.farm_id', f.origin === 'global' ? 'is' : 'is not', null);
    if (f.q) {
      const like = likeOf(f.q);
      query = query.where(sql<boolean>`(lower(d.name) like ${like} or lower(coalesce(d.pathogen, '')) like ${like})`);
    }
    if (f.family)
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('protection_disease_hosts as h')
            .select('h.disease_id')
            .whereRef('h.disease_id', '=', 'd.id')
            .where('h.family_key', '=', f.family!),
        ),
      );
    if (f.after) query = query.where(sql<boolean>`(lower(d.name), d.id::text) > (${f.after[0]}, ${f.after[1]})`);
    return query
      .orderBy(sql`lower(d.name)`)
      .orderBy(sql`d.id::text`)
      .limit(f.limit)
      .execute();
  },

  /**
   * The visible treatments (retired global ones left out), by name and id. `family`: treatments acting
   * against a pest or a disease of that host family.
   */
  listTreatments(tx: Tx, f: TreatmentFilter): Promise<TreatmentRecord[]> {
    let query = tx.selectFrom('protection_treatments as t').selectAll('t').where('t.retired_at', 'is', null);
    if (f.method) query = query.where('t.method', '=', f.method as TreatmentRecord['method']);
    if (f.origin) query = query.where('t.farm_id', f.origin === 'global' ? 'is' : 'is not', null);
    if (f.q) {
      const like = likeOf(f.q);
      query = query.where(
        sql<boolean>`(lower(t.name) like ${like} or lower(coalesce(t.active_ingredient, '')) like ${like})`,
      );
    }
    if (f.pest)
      query = query.where(
        sql<boolean>`exists (select 1 from protection_treatment_pests tp join protection_pests p on p.id = tp.pest_id
          where tp.treatment_id = t.id and ${refIs('p', f.pest)})`,
      );
    if (f.disease)
      query = query.where(
        sql<boolean>`exists (select 1 from protection_treatment_diseases td join protection_diseases d on d.id = td.disease_id
          where td.treatment_id = t.id and ${refIs('d', f.disease)})`,
      );
    if (f.family)
      query = query.where(
        sql<boolean>`(exists (select 1 from protection_treatment_pests tp join protection_pest_hosts h on h.pest_id = tp.pest_id
            where tp.treatment_id = t.id and h.family_key = ${f.family})
          or exists (select 1 from protection_treatment_diseases td join protection_disease_hosts h on h.disease_id = td.disease_id
            where td.treatment_id = t.id and h.family_key = ${f.family}))`,
      );
    if (f.after) query = query.where(sql<boolean>`(lower(t.name), t.id::text) > (${f.after[0]}, ${f.after[1]})`);
    return query
      .orderBy(sql`lower(t.name)`)
      .orderBy(sql`t.id::text`)
      .limit(f.limit)
      .execute();
  },

  /** The host family keys of these pests, by pest id. */
  async pestHosts(tx: Tx, ids: string[]): Promise<Map<string, string[]>> {
    const wanted = uuids(ids);
    const found = new Map<string, string[]>(wanted.map((id) => [id, []]));
    if (wanted.length === 0) return found;
    const rows = await tx
      .selectFrom('protection_pest_hosts')
      .select(['pest_id', 'family_key'])
      .where('pest_id', 'in', wanted)
      .orderBy('family_key')
      .execute();
    for (const r of rows) found.get(r.pest_id)!.push(r.family_key);
    return found;
  },

  async diseaseHosts(tx: Tx, ids: string[]): Promise<Map<string, string[]>> {
    const wanted = uuids(ids);
    const found = new Map<string, string[]>(wanted.map((id) => [id, []]));
    if (wanted.length === 0) return found;
    const rows = await tx
      .selectFrom('protection_disease_hosts')
      .select(['disease_id', 'family_key'])
      .where('disease_id', 'in', wanted)
      .orderBy('family_key')
      .execute();
    for (const r of rows) found.get(r.disease_id)!.push(r.family_key);
    return found;
  },

  /** What these treatments act against, by treatment id (each list by name). */
  async targets(tx: Tx, ids: string[]): Promise<Map<string, { pests: TargetRef[]; diseases: TargetRef[] }>> {
    const wanted = uuids(ids);
    const found = new Map(wanted.map((id) => [id, { pests: [] as TargetRef[], diseases: [] as TargetRef[] }]));
    if (wanted.length === 0) return found;
    const pests = await tx
      .selectFrom('protection_treatment_pests as tp')
      .innerJoin('protection_pests as p', 'p.id', 'tp.pest_id')
      .select(['tp.treatment_id', 'p.id', 'p.key', 'p.name'])
      .where('tp.treatment_id', 'in', wanted)
      .orderBy(sql`lower(p.name)`)
      .execute();
    for (const r of pests) found.get(r.treatment_id)!.pests.push({ id: r.id, key: r.key, name: r.name });
    const diseases = await tx
      .selectFrom('protection_treatment_diseases as td')
      .innerJoin('protection_diseases as d', 'd.id', 'td.disease_id')
      .select(['td.treatment_id', 'd.id', 'd.key', 'd.name'])
      .where('td.treatment_id', 'in', wanted)
      .orderBy(sql`lower(d.name)`)
      .execute();
    for (const r of diseases) found.get(r.treatment_id)!.diseases.push({ id: r.id, key: r.key, name: r.name });
    return found;
  },

  /** The farm's confirmed intervals of these (global) treatments, by treatment id. */
  async confirmations(tx: Tx, farmId: string, ids: string[]): Promise<Map<string, IntervalConfirmationRow>> {
    const wanted = uuids(ids);
    if (wanted.length === 0) return new Map();
    const rows = await tx
      .selectFrom('protection_interval_confirmations')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('treatment_id', 'in', wanted)
      .execute();
    return new Map(rows.map((r) => [r.treatment_id, r]));
  },

  async confirm(tx: Tx, row: IntervalConfirmationRow): Promise<void> {
    await tx
      .insertInto('protection_interval_confirmations')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['farm_id', 'treatment_id']).doUpdateSet({
          days: row.days,
          confirmed_by: row.confirmed_by,
          confirmed_at: row.confirmed_at,
        }),
      )
      .execute();
  },

  /** Visible pests or diseases among these ids (global or the farm's own, any state). */
  async visiblePests(tx: Tx, ids: string[]): Promise<Set<string>> {
    const wanted = uuids(ids);
    if (wanted.length === 0) return new Set();
    const rows = await tx.selectFrom('protection_pests').select('id').where('id', 'in', wanted).execute();
    return new Set(rows.map((r) => r.id));
  },
  async visibleDiseases(tx: Tx, ids: string[]): Promise<Set<string>> {
    const wanted = uuids(ids);
    if (wanted.length === 0) return new Set();
    const rows = await tx.selectFrom('protection_diseases').select('id').where('id', 'in', wanted).execute();
    return new Set(rows.map((r) => r.id));
  },

  /** The farm's own row of this kind with this name (any case), other than `exceptId`. */
  sameName(
    tx: Tx,
    table: 'protection_pests' | 'protection_diseases' | 'protection_treatments',
    farmId: string,
    name: string,
    exceptId?: string,
  ) {
    let query = tx
      .selectFrom(table as 'protection_pests')
      .select('id')
      .where('farm_id', '=', farmId)
      .where(sql<boolean>`lower(name) = lower(${name})`);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.executeTakeFirst();
  },

  /** Undefined when the id is taken (the one idempotency rule's insert). */
  insertPest(tx: Tx, row: Insertable<PestTable>) {
    return tx
      .insertInto('protection_pests')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
  },
  insertDisease(tx: Tx, row: Insertable<DiseaseTable>) {
    return tx
      .insertInto('protection_diseases')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
  },
  insertTreatment(tx: Tx, row: Insertable<TreatmentTable>) {
    return tx
      .insertInto('protection_treatments')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  updatePest(tx: Tx, id: string, patch: Updateable<PestTable>) {
    return tx.updateTable('protection_pests').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },
  updateDisease(tx: Tx, id: string, patch: Updateable<DiseaseTable>) {
    return tx
      .updateTable('protection_diseases')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },
  updateTreatment(tx: Tx, id: string, patch: Updateable<TreatmentTable>) {
    return tx
      .updateTable('protection_treatments')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async remove(
    tx: Tx,
    table: 'protection_pests' | 'protection_diseases' | 'protection_treatments',
    farmId: string,
    id: string,
  ): Promise<void> {
    await tx
      .deleteFrom(table as 'protection_pests')
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .execute();
  },

  /** Sets a pest's or a disease's host families (the row's own farm_id on each link). */
  async setHosts(
    tx: Tx,
    kind: 'pest' | 'disease',
    id: string,
    farmId: string | null,
    families: readonly string[],
  ): Promise<void> {
    if (kind === 'pest') {
      await tx.deleteFrom('protection_pest_hosts').where('pest_id', '=', id).execute();
      if (families.length > 0)
        await tx
          .insertInto('protection_pest_hosts')
          .values(families.map((family_key) => ({ pest_id: id, farm_id: farmId, family_key })))
          .execute();
      return;
    }
    await tx.deleteFrom('protection_disease_hosts').where('disease_id', '=', id).execute();
    if (families.length > 0)
      await tx
        .insertInto('protection_disease_hosts')
        .values(families.map((family_key) => ({ disease_id: id, farm_id: farmId, family_key })))
        .execute();
  },

  /** Sets what a treatment acts against. */
  async setTargets(
    tx: Tx,
    id: string,
    farmId: string | null,
    pests: readonly string[],
    diseases: readonly string[],
  ): Promise<void> {
    await tx.deleteFrom('protection_treatment_pests').where('treatment_id', '=', id).execute();
    await tx.deleteFrom('protection_treatment_diseases').where('treatment_id', '=', id).execute();
    if (pests.length > 0)
      await tx
        .insertInto('protection_treatment_pests')
        .values(pests.map((pest_id) => ({ treatment_id: id, pest_id, farm_id: farmId })))
        .execute();
    if (diseases.length > 0)
      await tx
        .insertInto('protection_treatment_diseases')
        .values(diseases.map((disease_id) => ({ treatment_id: id, disease_id, farm_id: farmId })))
        .execute();
  },

  // The seed (system scope)

  seedState(tx: Tx) {
    return tx.selectFrom('protection_seed_state').selectAll().executeTakeFirst();
  },

  async saveSeedState(tx: Tx, hash: string, now: Date, counts: Record<string, unknown>): Promise<void> {
    await tx
      .insertInto('protection_seed_state')
      .values({ id: true, content_hash: hash, loaded_at: now, counts })
      .onConflict((oc) => oc.column('id').doUpdateSet({ content_hash: hash, loaded_at: now, counts }))
      .execute();
  },

  async lockSeed(tx: Tx): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('croft.protection-seed'))`.execute(tx);
  },

  async globalIds(
    tx: Tx,
    table: 'protection_pests' | 'protection_diseases' | 'protection_treatments',
  ): Promise<Array<{ id: string; key: string; retired: boolean }>> {
    const rows = await tx
      .selectFrom(table as 'protection_pests')
      .select(['id', 'key', 'retired_at'])
      .where('farm_id', 'is', null)
      .execute();
    return rows.map((r) => ({ id: r.id, key: r.key!, retired: r.retired_at !== null }));
  },
};
