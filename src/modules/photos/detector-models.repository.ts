import { sql, type Insertable, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { DetectorModelTable } from './photos.tables.js';

export type DetectorModelRow = Selectable<DetectorModelTable>;

/** A farm's detection models; the transaction first, SQL only. */
export const detectorModelsRepository = {
  find(tx: Tx, farmId: string, id: string): Promise<DetectorModelRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('detector_models')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /** Newest first. */
  list(tx: Tx, farmId: string): Promise<DetectorModelRow[]> {
    return tx
      .selectFrom('detector_models')
      .selectAll()
      .where('farm_id', '=', farmId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  },

  /** The farm's chosen model; undefined: it counts with the classical detector. */
  active(tx: Tx, farmId: string): Promise<DetectorModelRow | undefined> {
    return tx
      .selectFrom('detector_models')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('active', '=', true)
      .executeTakeFirst();
  },

  /** Undefined when the id was taken meanwhile (a concurrent twin). */
  insert(tx: Tx, row: Insertable<DetectorModelTable>): Promise<DetectorModelRow | undefined> {
    return tx
      .insertInto('detector_models')
      .values({
        ...row,
        class_names: row.class_names ? JSON.stringify(row.class_names) : null,
      } as Insertable<DetectorModelTable>)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Makes `id` the farm's one active model (or, with active false, none): the other models are cleared first,
   * in the same statement order, so the partial unique index never sees two.
   */
  async setActive(tx: Tx, farmId: string, id: string, active: boolean): Promise<DetectorModelRow | undefined> {
    // One choice at a time per farm: two admins choosing different models at once would otherwise both clear
    // the others (seeing neither's row) and the second meet the unique index.
    await sql`select pg_advisory_xact_lock(hashtext(${`croft.detector-models:${farmId}`}))`.execute(tx);
    if (active)
      await tx
        .updateTable('detector_models')
        .set({ active: false })
        .where('farm_id', '=', farmId)
        .where('active', '=', true)
        .where('id', '<>', id)
        .execute();
    return tx
      .updateTable('detector_models')
      .set({ active })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  delete(tx: Tx, farmId: string, id: string): Promise<DetectorModelRow | undefined> {
    return tx
      .deleteFrom('detector_models')
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },
};
