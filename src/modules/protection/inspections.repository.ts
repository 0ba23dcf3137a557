import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { ApplicationTarget } from './protection.engine.js';
import type { PlantInspectionTable } from './inspections.tables.js';

export type InspectionRow = Selectable<PlantInspectionTable>;

/** A catalogue row an inspection names, as answered. */
export interface FoundRef {
  id: string;
  name: string;
}

/** What an inspection found: the catalogue's pests and diseases, by name. */
export interface Findings {
  pests: FoundRef[];
  diseases: FoundRef[];
}

/** A catalogue row as the checks of a new inspection read it. */
export interface CatalogueRef {
  id: string;
  retired: boolean;
}

export interface InspectionFilter {
  plant?: string | undefined;
  run?: string | undefined;
  location?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** The last row of the page before: newest first by day, then id. */
  before?: { day: string; id: string } | undefined;
  limit: number;
}

const TARGET_COLUMN = { plant: 'plant_id', run: 'run_id', location: 'location_id' } as const;

/** Plant inspections and what they found: the SQL of the protection module's inspections. */
export const inspectionsRepository = {
  insert(tx: Tx, row: Insertable<PlantInspectionTable>): Promise<InspectionRow | undefined> {
    return tx
      .insertInto('plant_inspections')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  async insertFindings(
    tx: Tx,
    farmId: string,
    inspectionId: string,
    found: { pests: string[]; diseases: string[] },
  ): Promise<void> {
    if (found.pests.length > 0)
      await tx
        .insertInto('plant_inspection_pests')
        .values(found.pests.map((pest_id) => ({ farm_id: farmId, inspection_id: inspectionId, pest_id })))
        .execute();
    if (found.diseases.length > 0)
      await tx
        .insertInto('plant_inspection_diseases')
        .values(found.diseases.map((disease_id) => ({ farm_id: farmId, inspection_id: inspectionId, disease_id })))
        .execute();
  },

  find(tx: Tx, farmId: string, id: string): Promise<InspectionRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('plant_inspections')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  list(tx: Tx, farmId: string, f: InspectionFilter): Promise<InspectionRow[]> {
    let q = tx.selectFrom('plant_inspections').selectAll().where('farm_id', '=', farmId);
    if (f.plant) q = q.where('plant_id', '=', f.plant);
    if (f.run) q = q.where('run_id', '=', f.run);
    if (f.location) q = q.where('location_id', '=', f.location);
    if (f.from) q = q.where('inspected_on', '>=', f.from);
    if (f.to) q = q.where('inspected_on', '<=', f.to);
    if (f.before) {
      const { day, id } = f.before;
      q = q.where((eb) =>
        eb.or([eb('inspected_on', '<', day), eb.and([eb('inspected_on', '=', day), eb('id', '<', id)])]),
      );
    }
    return q.orderBy('inspected_on', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  },

  /** The target's latest inspection: the latest day, and of one day the last stored. */
  latestOf(tx: Tx, farmId: string, target: ApplicationTarget): Promise<InspectionRow | undefined> {
    return tx
      .selectFrom('plant_inspections')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where(TARGET_COLUMN[target.kind], '=', target.id)
      .orderBy('inspected_on', 'desc')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  async delete(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('plant_inspections').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** What each inspection named found, by name (then id). */
  async findings(tx: Tx, farmId: string, ids: string[]): Promise<Map<string, Findings>> {
    const out = new Map<string, Findings>(ids.map((id) => [id, { pests: [], diseases: [] }]));
    if (ids.length === 0) return out;
    const pests = await tx
      .selectFrom('plant_inspection_pests as f')
      .innerJoin('protection_pests as p', 'p.id', 'f.pest_id')
      .select(['f.inspection_id', 'p.id', 'p.name'])
      .where('f.farm_id', '=', farmId)
      .where('f.inspection_id', 'in', ids)
      .orderBy('p.name')
      .orderBy('p.id')
      .execute();
    for (const r of pests) out.get(r.inspection_id)?.pests.push({ id: r.id, name: r.name });
    const diseases = await tx
      .selectFrom('plant_inspection_diseases as f')
      .innerJoin('protection_diseases as d', 'd.id', 'f.disease_id')
      .select(['f.inspection_id', 'd.id', 'd.name'])
      .where('f.farm_id', '=', farmId)
      .where('f.inspection_id', 'in', ids)
      .orderBy('d.name')
      .orderBy('d.id')
      .execute();
    for (const r of diseases) out.get(r.inspection_id)?.diseases.push({ id: r.id, name: r.name });
    return out;
  },

  /** The pests of these ids the farm sees (Croft's and its own), retired ones marked. */
  async pests(tx: Tx, farmId: string, ids: string[]): Promise<CatalogueRef[]> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return [];
    const rows = await tx
      .selectFrom('protection_pests')
      .select(['id', 'retired_at'])
      .where('id', 'in', wanted)
      .where((eb) => eb.or([eb('farm_id', 'is', null), eb('farm_id', '=', farmId)]))
      .execute();
    return rows.map((r) => ({ id: r.id, retired: r.retired_at !== null }));
  },

  /** The diseases of these ids the farm sees, likewise. */
  async diseases(tx: Tx, farmId: string, ids: string[]): Promise<CatalogueRef[]> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return [];
    const rows = await tx
      .selectFrom('protection_diseases')
      .select(['id', 'retired_at'])
      .where('id', 'in', wanted)
      .where((eb) => eb.or([eb('farm_id', 'is', null), eb('farm_id', '=', farmId)]))
      .execute();
    return rows.map((r) => ({ id: r.id, retired: r.retired_at !== null }));
  },
};
