import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { MixProduct } from './mixing.engine.js';

/**
 * What the calculator reads: the fertilizers named, Croft's global ones and the farm's own (row-level
 * security shows both and no other farm's), retired ones left out. A stand-in until the fertilizers
 * repository's `byIds` is merged in.
 */
export async function fertilizersByIds(tx: Tx, ids: string[]): Promise<MixProduct[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<MixProduct>`
    select id, product, brand, type, form, ec_per_unit, ec_uncertain, max_dose_per_l, mixing_priority,
      ph_effect, tank_safe, foliar_only, contains_calcium, contains_sulfate, contains_phosphate,
      contains_silicate, contains_chelated_iron
    from fertilizers
    where id = any(${ids}::uuid[]) and retired_at is null`.execute(tx);
  return rows;
}
