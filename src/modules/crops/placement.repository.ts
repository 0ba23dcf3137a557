import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { CompanionPair, Family, Neighbour, PastPlanting, SuccessorEdge } from './placement.engine.js';

/**
 * What the placement check reads, in the caller's farm transaction: the place and its ancestors, the
 * plantings under a place (recursive over the location tree), the neighbours in adjacent places
 * (over `location_edges`, both ways, and everything under them), the catalogue's pairs and
 * successors, and the farm's rotation window. Row-level security shows the farm's rows and the
 * global catalogue.
 */

export interface PlaceRow {
  id: string;
  name: string;
  type: string;
  /** The day the place was made, in the farm's time zone. */
  created_on: string;
}

export interface CandidateRow {
  id: string;
  key: string;
  scientific_name: string;
  rotation_pause_years: number | null;
  nutrient_demand: string | null;
  family: Family;
}

interface FamilyColumns {
  family_id: string;
  family_key: string;
  family_name: string;
  family_pause: number | null;
  soil_borne: string[];
  nitrogen_fixing: boolean;
}

const familyOf = (r: FamilyColumns): Family => ({
  id: r.family_id,
  key: r.family_key,
  name: r.family_name,
  pauseYears: r.family_pause,
  soilBorne: r.soil_borne,
  nitrogenFixing: r.nitrogen_fixing,
});

/** The ids of a place and everything under it, at any depth. */
const subtree = (farmId: string, root: string) => sql`
  with recursive down as (
    select l.id, 0 as depth from locations l where l.farm_id = ${farmId} and l.id = ${root}::uuid
    union all
    select l.id, d.depth + 1 from locations l join down d on l.farm_id = ${farmId} and l.parent_id = d.id
    where d.depth < 100
  )`;

export const placementRepository = {
  /** A place and its ancestors, root first (the place last); empty when the farm has no such place. */
  async placeWithAncestors(tx: Tx, farmId: string, id: string, timeZone: string): Promise<PlaceRow[]> {
    if (!isUuid(id)) return [];
    const { rows } = await sql<PlaceRow & { depth: number }>`
      with recursive up as (
        select l.id, l.parent_id, l.name, l.type, l.created_at, 0 as depth
        from locations l where l.farm_id = ${farmId} and l.id = ${id}::uuid
        union all
        select l.id, l.parent_id, l.name, l.type, l.created_at, up.depth + 1
        from locations l join up on l.farm_id = ${farmId} and l.id = up.parent_id
        where up.depth < 100
      )
      select id, name, type, (created_at at time zone ${timeZone})::date::text as created_on, depth
      from up order by depth desc`.execute(tx);
    return rows.map(({ depth: _depth, ...row }) => row);
  },

  /** A species the farm sees (its own key first), with its family's rotation facts. */
  async candidate(tx: Tx, farmId: string, ref: string): Promise<CandidateRow | undefined> {
    const { rows } = await sql<Omit<CandidateRow, 'family'> & FamilyColumns>`
      select s.id, s.key, s.scientific_name, s.rotation_pause_years, s.nutrient_demand,
        f.id as family_id, f.key as family_key, f.name as family_name, f.rotation_pause_years as family_pause,
        f.soil_borne, f.nitrogen_fixing
      from catalog_species s join catalog_families f on f.id = s.family_id
      where (s.farm_id is null or s.farm_id = ${farmId}) and s.retired_at is null
        and ${isUuid(ref) ? sql`s.id = ${ref}::uuid` : sql`s.key = ${ref}`}
      order by s.farm_id is null limit 1`.execute(tx);
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      key: row.key,
      scientific_name: row.scientific_name,
      rotation_pause_years: row.rotation_pause_years,
      nutrient_demand: row.nutrient_demand,
      family: familyOf(row),
    };
  },

  /**
   * The plantings under a place (removed plants too) from `fromDay` to `toDay`, each with its family,
   * and the day of the oldest planting recorded there at all.
   */
  async history(
    tx: Tx,
    farmId: string,
    root: string,
    fromDay: string,
    toDay: string,
  ): Promise<{ plantings: PastPlanting[]; oldest: string | null }> {
    const { rows } = await sql<
      { id: string; label: string; planted_on: string; removed_on: string | null } & FamilyColumns
    >`
      ${subtree(farmId, root)}
      select p.id, p.label, p.planted_on::text as planted_on, p.removed_on::text as removed_on,
        f.id as family_id, f.key as family_key, f.name as family_name, f.rotation_pause_years as family_pause,
        f.soil_borne, f.nitrogen_fixing
      from down d
      join plants p on p.farm_id = ${farmId} and p.location_id = d.id
      join catalog_species s on s.id = p.species_id
      join catalog_families f on f.id = s.family_id
      where p.planted_on between ${fromDay}::date and ${toDay}::date
      order by p.planted_on, p.label`.execute(tx);
    const oldest = await sql<{ oldest: string | null }>`
      ${subtree(farmId, root)}
      select min(p.planted_on)::text as oldest
      from down d join plants p on p.farm_id = ${farmId} and p.location_id = d.id`.execute(tx);
    return {
      plantings: rows.map((r) => ({
        plantId: r.id,
        label: r.label,
        plantedOn: r.planted_on,
        removedOn: r.removed_on,
        family: familyOf(r),
      })),
      oldest: oldest.rows[0]?.oldest ?? null,
    };
  },

  /** The active plants in places adjacent to this one (either side of an edge) and under them. */
  async neighbours(tx: Tx, farmId: string, id: string): Promise<Neighbour[]> {
    const { rows } = await sql<{
      id: string;
      label: string;
      species_id: string;
      species_key: string;
      family_id: string;
      location_id: string;
      location_name: string;
    }>`
      with recursive near as (
        select e.b_id as id, 0 as depth from location_edges e where e.farm_id = ${farmId} and e.a_id = ${id}::uuid
        union
        select e.a_id, 0 from location_edges e where e.farm_id = ${farmId} and e.b_id = ${id}::uuid
        union
        select l.id, n.depth + 1 from locations l join near n on l.farm_id = ${farmId} and l.parent_id = n.id
        where n.depth < 100
      )
      select p.id, p.label, s.id as species_id, s.key as species_key, s.family_id, l.id as location_id,
        l.name as location_name
      from plants p
      join locations l on l.farm_id = p.farm_id and l.id = p.location_id
      join catalog_species s on s.id = p.species_id
      where p.farm_id = ${farmId} and p.removed_on is null and p.location_id in (select id from near)
        and p.location_id <> ${id}::uuid
      order by l.name, p.label`.execute(tx);
    return rows.map((r) => ({
      plantId: r.id,
      label: r.label,
      speciesId: r.species_id,
      speciesKey: r.species_key,
      familyId: r.family_id,
      location: { id: r.location_id, name: r.location_name },
    }));
  },

  /** The companion pairs between one species (and its family) and any of these species (families). */
  async pairs(
    tx: Tx,
    species: { id: string; others: string[] },
    family: { id: string; others: string[] },
  ): Promise<{ species: CompanionPair[]; family: CompanionPair[] }> {
    const read = async (
      table: 'catalog_species_companions' | 'catalog_family_companions',
      id: string,
      others: string[],
    ) => {
      if (others.length === 0) return [];
      const { rows } = await sql<{
        a_id: string;
        b_id: string;
        relation: CompanionPair['relation'];
        score: number | null;
        severity: CompanionPair['severity'];
        reason: string;
      }>`
        select a_id, b_id, relation, score, severity, reason from ${sql.table(table)}
        where (a_id = ${id}::uuid and b_id = any(${others}::uuid[])) or (b_id = ${id}::uuid and a_id = any(${others}::uuid[]))
        order by farm_id is null`.execute(tx);
      return rows.map((r) => ({
        aId: r.a_id,
        bId: r.b_id,
        relation: r.relation,
        score: r.score,
        severity: r.severity,
        reason: r.reason,
      }));
    };
    return {
      species: await read('catalog_species_companions', species.id, species.others),
      family: await read('catalog_family_companions', family.id, family.others),
    };
  },

  /** The good-successor edges into a family. */
  async successorsInto(tx: Tx, familyId: string): Promise<SuccessorEdge[]> {
    const rows = await tx
      .selectFrom('catalog_rotation_successors')
      .select(['after_id', 'then_id', 'reason'])
      .where('then_id', '=', familyId)
      .execute();
    return rows.map((r) => ({ afterId: r.after_id, thenId: r.then_id, reason: r.reason }));
  },

  async rotationWindow(tx: Tx, farmId: string): Promise<number | undefined> {
    const row = await tx
      .selectFrom('crop_rotation_settings')
      .select('window_years')
      .where('farm_id', '=', farmId)
      .executeTakeFirst();
    return row?.window_years;
  },

  async setRotationWindow(tx: Tx, farmId: string, years: number, now: Date): Promise<void> {
    await tx
      .insertInto('crop_rotation_settings')
      .values({ farm_id: farmId, window_years: years, updated_at: now })
      .onConflict((oc) => oc.column('farm_id').doUpdateSet({ window_years: years, updated_at: now }))
      .execute();
  },
};
