import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { PlaceCandidate } from './photos.place.engine.js';
import type { LearntDensity } from './photos.density.engine.js';
import type { LocationSource, PhotoSessionTable, PhotoTable } from './photos.tables.js';

export type PhotoRow = Selectable<PhotoTable>;
export type SessionRow = Selectable<PhotoSessionTable>;

/** The key of a learnt density: a bin type, a product, a packaging. */
export interface DensityKey {
  bin_type_id: string;
  product_id: string;
  packaging_id: string;
}

/** Photos and their processing sessions; the transaction first, SQL only. */
export const photosRepository = {
  /**
   * The density learnt for a key, with the session that last taught it; `lock`: FOR UPDATE, for its update (a
   * second photo learning at once waits).
   */
  async density(
    tx: Tx,
    farmId: string,
    key: DensityKey,
    lock = false,
  ): Promise<(LearntDensity & { lastSessionId: string | null }) | undefined> {
    const query = tx
      .selectFrom('photo_densities')
      .select(['plants_per_m2', 'samples', 'last_session_id'])
      .where('farm_id', '=', farmId)
      .where('bin_type_id', '=', key.bin_type_id)
      .where('product_id', '=', key.product_id)
      .where('packaging_id', '=', key.packaging_id);
    const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
    return row
      ? { plantsPerM2: row.plants_per_m2, samples: row.samples, lastSessionId: row.last_session_id }
      : undefined;
  },

  /**
   * The first photo's density, when the key has none yet; false when one is there (or a twin's insert won),
   * which the caller then locks and updates.
   */
  async insertDensity(
    tx: Tx,
    farmId: string,
    key: DensityKey,
    density: LearntDensity,
    sessionId: string,
    now: Date,
  ): Promise<boolean> {
    const row = await tx
      .insertInto('photo_densities')
      .values({
        farm_id: farmId,
        ...key,
        plants_per_m2: density.plantsPerM2,
        samples: density.samples,
        last_session_id: sessionId,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['farm_id', 'bin_type_id', 'product_id', 'packaging_id']).doNothing())
      .returning('samples')
      .executeTakeFirst();
    return row !== undefined;
  },

  async saveDensity(
    tx: Tx,
    farmId: string,
    key: DensityKey,
    density: LearntDensity,
    sessionId: string,
    now: Date,
  ): Promise<void> {
    const values = {
      plants_per_m2: density.plantsPerM2,
      samples: density.samples,
      last_session_id: sessionId,
      updated_at: now,
    };
    await tx
      .insertInto('photo_densities')
      .values({ farm_id: farmId, ...key, ...values })
      .onConflict((oc) => oc.columns(['farm_id', 'bin_type_id', 'product_id', 'packaging_id']).doUpdateSet(values))
      .execute();
  },

  /** Up to `limit` of the farm's photos after the id `after`, in id order: where each original is stored. */
  originalsAfter(
    tx: Tx,
    farmId: string,
    after: string | null,
    limit: number,
  ): Promise<Array<Pick<PhotoRow, 'id' | 'storage_key' | 'content_type' | 'byte_size' | 'created_at'>>> {
    let query = tx
      .selectFrom('photos')
      .select(['id', 'storage_key', 'content_type', 'byte_size', 'created_at'])
      .where('farm_id', '=', farmId);
    if (after !== null) query = query.where('id', '>', after);
    return query.orderBy('id').limit(limit).execute();
  },

  findPhoto(tx: Tx, farmId: string, id: string): Promise<PhotoRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx.selectFrom('photos').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst();
  },

  /** Undefined when the id was taken meanwhile (a concurrent twin). */
  insertPhoto(tx: Tx, row: Insertable<PhotoTable>): Promise<PhotoRow | undefined> {
    return tx
      .insertInto('photos')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  async setPhotoLocation(
    tx: Tx,
    farmId: string,
    photoId: string,
    locationId: string | null,
    source: LocationSource | null,
  ): Promise<void> {
    await tx
      .updateTable('photos')
      .set({ location_id: locationId, location_source: source })
      .where('farm_id', '=', farmId)
      .where('id', '=', photoId)
      .execute();
  },

  insertSession(tx: Tx, row: Insertable<PhotoSessionTable>): Promise<SessionRow> {
    return tx.insertInto('photo_sessions').values(row).returningAll().executeTakeFirstOrThrow();
  },

  findSession(tx: Tx, farmId: string, id: string): Promise<SessionRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('photo_sessions')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  sessionOfPhoto(tx: Tx, farmId: string, photoId: string): Promise<SessionRow | undefined> {
    return tx
      .selectFrom('photo_sessions')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('photo_id', '=', photoId)
      .executeTakeFirst();
  },

  /**
   * Ends a try: the patch, the detector it counted with — its model's id only while that model still exists
   * (an admin may delete it while the photo is counted) — and `needs_calibration` set or cleared in SQL, so a
   * warning changed meanwhile (PATCH setting the place) is kept.
   */
  finishSession(
    tx: Tx,
    farmId: string,
    id: string,
    patch: Omit<Updateable<PhotoSessionTable>, 'detector_model_id' | 'warnings'>,
    detector: { modelId: string | null; needsCalibration?: boolean },
  ): Promise<SessionRow> {
    const without = sql<string[]>`array_remove(warnings, 'needs_calibration')`;
    return tx
      .updateTable('photo_sessions')
      .set({
        ...patch,
        detector_model_id:
          detector.modelId === null
            ? null
            : sql<
                string | null
              >`(select m.id from detector_models m where m.farm_id = ${farmId} and m.id = ${detector.modelId})`,
        ...(detector.needsCalibration === undefined
          ? {}
          : {
              warnings: detector.needsCalibration
                ? sql<string[]>`array_append(${without}, 'needs_calibration')`
                : without,
            }),
      })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * The place was set: `needs_location` cleared and `needs_config` set or cleared, in SQL, so a warning the
   * counting job set meanwhile is kept.
   */
  placedSession(tx: Tx, farmId: string, id: string, needsConfig: boolean): Promise<SessionRow> {
    const cleared = sql<string[]>`array_remove(array_remove(warnings, 'needs_location'), 'needs_config')`;
    return tx
      .updateTable('photo_sessions')
      .set({ warnings: needsConfig ? sql<string[]>`array_append(${cleared}, 'needs_config')` : cleared })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  updateSession(tx: Tx, farmId: string, id: string, patch: Updateable<PhotoSessionTable>): Promise<SessionRow> {
    return tx
      .updateTable('photo_sessions')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Records a session's review; undefined when it was validated meanwhile (by a twin). */
  markValidated(
    tx: Tx,
    farmId: string,
    id: string,
    review: Pick<
      Updateable<PhotoSessionTable>,
      | 'validated_at'
      | 'validated_by'
      | 'validated_count'
      | 'validated_source'
      | 'validation_note'
      | 'stock_count_id'
      | 'movement_id'
    >,
  ): Promise<SessionRow | undefined> {
    return tx
      .updateTable('photo_sessions')
      .set(review)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where('validated_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Takes a session for one processing attempt: pending (or processing, left by a crashed attempt) becomes
   * processing with one more attempt; undefined when it is finished already (a job run twice).
   */
  claimSession(tx: Tx, farmId: string, id: string, now: Date): Promise<SessionRow | undefined> {
    return tx
      .updateTable('photo_sessions')
      .set((eb) => ({ status: 'processing', attempts: eb('attempts', '+', 1), started_at: now }))
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'processing'])
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * The farm's storage locations (not retired, with a shape) within `meters` of the point, on the
   * geography (metres on the ground), nearest first; a shape containing the point is 0 m away.
   */
  async placeCandidates(tx: Tx, farmId: string, lon: number, lat: number, meters: number): Promise<PlaceCandidate[]> {
    const point = sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;
    const { rows } = await sql<{ id: string; distance_m: number }>`
      select id, ST_Distance(geometry::geography, ${point}::geography) as distance_m
        from locations
       where farm_id = ${farmId} and type = 'storage_location' and status <> 'retired' and geometry is not null
         and ST_DWithin(geometry::geography, ${point}::geography, ${meters})
       order by distance_m, id
       limit 20`.execute(tx);
    return rows.map((r) => ({ id: r.id, distanceM: Number(r.distance_m) }));
  },
};
