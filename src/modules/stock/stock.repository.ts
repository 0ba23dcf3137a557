import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type {
  StockBatchTable,
  StockBinTypeTable,
  StockConfigTable,
  StockCountTable,
  StockMovementTable,
} from './stock.tables.js';
import type { ShortfallAs } from './stock.engine.js';

export type BatchRow = Selectable<StockBatchTable>;
export type MovementRow = Selectable<StockMovementTable>;
export type BinTypeRow = Selectable<StockBinTypeTable>;
export type ConfigRow = Selectable<StockConfigTable>;
export type CountRow = Selectable<StockCountTable>;

/** What a batch is: its product, packaging, state and size (a storage location's config names the same). */
export interface BatchKind {
  product_id: string;
  packaging_id: string;
  state_id: string | null;
  size_id: string | null;
}

export const stockRepository = {
  // Settings, bin types, bins, configs

  async shortfallAs(tx: Tx, farmId: string): Promise<ShortfallAs> {
    const row = await tx
      .selectFrom('stock_settings')
      .select('count_shortfall_as')
      .where('farm_id', '=', farmId)
      .executeTakeFirst();
    return row?.count_shortfall_as ?? 'sale';
  },

  async setShortfallAs(tx: Tx, farmId: string, value: ShortfallAs, now: Date): Promise<void> {
    await tx
      .insertInto('stock_settings')
      .values({ farm_id: farmId, count_shortfall_as: value, updated_at: now })
      .onConflict((oc) => oc.column('farm_id').doUpdateSet({ count_shortfall_as: value, updated_at: now }))
      .execute();
  },

  binTypes(tx: Tx, farmId: string): Promise<BinTypeRow[]> {
    return tx.selectFrom('stock_bin_types').selectAll().where('farm_id', '=', farmId).orderBy('code').execute();
  },

  findBinType(tx: Tx, farmId: string, ref: string): Promise<BinTypeRow | undefined> {
    return tx
      .selectFrom('stock_bin_types')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where((eb) => (isUuid(ref) ? eb.or([eb('id', '=', ref), eb('code', '=', ref)]) : eb('code', '=', ref)))
      .executeTakeFirst();
  },

  insertBinType(tx: Tx, row: Insertable<StockBinTypeTable>): Promise<BinTypeRow | undefined> {
    return tx
      .insertInto('stock_bin_types')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'code']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  updateBinType(tx: Tx, farmId: string, id: string, patch: Updateable<StockBinTypeTable>) {
    return tx
      .updateTable('stock_bin_types')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async removeBinType(tx: Tx, farmId: string, id: string): Promise<'removed' | 'used'> {
    const used = await tx
      .selectFrom('stock_bins')
      .select('location_id')
      .where('farm_id', '=', farmId)
      .where('bin_type_id', '=', id)
      .executeTakeFirst();
    if (used) return 'used';
    await tx.deleteFrom('stock_bin_types').where('farm_id', '=', farmId).where('id', '=', id).execute();
    return 'removed';
  },

  async setBinType(tx: Tx, farmId: string, locationId: string, binTypeId: string | null, now: Date) {
    if (binTypeId === null) {
      await tx.deleteFrom('stock_bins').where('farm_id', '=', farmId).where('location_id', '=', locationId).execute();
      return;
    }
    await tx
      .insertInto('stock_bins')
      .values({ farm_id: farmId, location_id: locationId, bin_type_id: binTypeId, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['farm_id', 'location_id']).doUpdateSet({ bin_type_id: binTypeId, updated_at: now }),
      )
      .execute();
  },

  /** The types of the bins at a storage location (its storage_bin children not retired), one entry per bin. */
  binTypesUnder(tx: Tx, farmId: string, locationId: string): Promise<BinTypeRow[]> {
    return tx
      .selectFrom('stock_bins as b')
      .innerJoin('locations as l', (j) => j.onRef('l.id', '=', 'b.location_id').onRef('l.farm_id', '=', 'b.farm_id'))
      .innerJoin('stock_bin_types as t', (j) =>
        j.onRef('t.id', '=', 'b.bin_type_id').onRef('t.farm_id', '=', 'b.farm_id'),
      )
      .selectAll('t')
      .where('b.farm_id', '=', farmId)
      .where('l.parent_id', '=', locationId)
      .where('l.status', '<>', 'retired')
      .orderBy('b.location_id')
      .execute();
  },

  async binTypeOf(tx: Tx, farmId: string, locationId: string): Promise<BinTypeRow | undefined> {
    return tx
      .selectFrom('stock_bins as b')
      .innerJoin('stock_bin_types as t', (j) =>
        j.onRef('t.id', '=', 'b.bin_type_id').onRef('t.farm_id', '=', 'b.farm_id'),
      )
      .selectAll('t')
      .where('b.farm_id', '=', farmId)
      .where('b.location_id', '=', locationId)
      .executeTakeFirst();
  },

  config(tx: Tx, farmId: string, locationId: string): Promise<ConfigRow | undefined> {
    return tx
      .selectFrom('stock_configs')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .executeTakeFirst();
  },

  async setConfig(tx: Tx, row: Insertable<StockConfigTable>): Promise<ConfigRow> {
    const { farm_id: _farm, location_id: _location, ...rest } = row;
    return tx
      .insertInto('stock_configs')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'location_id']).doUpdateSet(rest))
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async removeConfig(tx: Tx, farmId: string, locationId: string): Promise<boolean> {
    const result = await tx
      .deleteFrom('stock_configs')
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  // Batches

  findBatch(tx: Tx, farmId: string, ref: string, lock = false): Promise<BatchRow | undefined> {
    let query = tx
      .selectFrom('stock_batches')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where((eb) => (isUuid(ref) ? eb('id', '=', ref) : eb('code', '=', ref)));
    if (lock) query = query.forUpdate();
    return query.executeTakeFirst();
  },

  /** Several batches locked in one order (by id), so two transplants crossing each other never deadlock. */
  lockBatches(tx: Tx, farmId: string, ids: string[]): Promise<BatchRow[]> {
    return tx
      .selectFrom('stock_batches')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
  },

  batches(
    tx: Tx,
    farmId: string,
    filter: { locationIds?: string[] | undefined; productId?: string | undefined; status?: string | undefined },
    after: string | undefined,
    limit: number,
  ): Promise<BatchRow[]> {
    let query = tx.selectFrom('stock_batches').selectAll().where('farm_id', '=', farmId);
    if (filter.locationIds) query = query.where('location_id', 'in', filter.locationIds);
    if (filter.productId) query = query.where('product_id', '=', filter.productId);
    if (filter.status) query = query.where('status', '=', filter.status as never);
    if (after) query = query.where('code', '>', after);
    return query.orderBy('code').limit(limit).execute();
  },

  /** Active batches at a storage location of a kind (any kind when `kind` is null). */
  activeAt(tx: Tx, farmId: string, locationId: string, kind: BatchKind | null): Promise<BatchRow[]> {
    let query = tx
      .selectFrom('stock_batches')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .where('status', '=', 'active');
    if (kind) {
      query = query.where('product_id', '=', kind.product_id).where('packaging_id', '=', kind.packaging_id);
      if (kind.state_id) query = query.where('state_id', '=', kind.state_id);
      if (kind.size_id) query = query.where('size_id', '=', kind.size_id);
    }
    return query.orderBy('code').execute();
  },

  /** Active batches of exactly this kind at this place and bin (a transplant's destination). */
  activeExactly(tx: Tx, farmId: string, locationId: string, binId: string | null, kind: BatchKind) {
    return tx
      .selectFrom('stock_batches')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .where((eb) => (binId === null ? eb('bin_id', 'is', null) : eb('bin_id', '=', binId)))
      .where('product_id', '=', kind.product_id)
      .where('packaging_id', '=', kind.packaging_id)
      .where((eb) => (kind.state_id === null ? eb('state_id', 'is', null) : eb('state_id', '=', kind.state_id)))
      .where((eb) => (kind.size_id === null ? eb('size_id', 'is', null) : eb('size_id', '=', kind.size_id)))
      .where('status', '=', 'active')
      .orderBy('created_at')
      .executeTakeFirst();
  },

  async codesWithStem(tx: Tx, farmId: string, stem: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('stock_batches')
      .select('code')
      .where('farm_id', '=', farmId)
      // The range lets the (farm_id, code) index serve it (LIKE cannot under a non-C collation); LIKE keeps it exact.
      .where('code', '>=', stem)
      .where('code', '<', `${stem.slice(0, -1)}${String.fromCharCode(stem.charCodeAt(stem.length - 1) + 1)}`)
      .where('code', 'like', `${stem.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      .execute();
    return rows.map((r) => r.code);
  },

  /** A new batch, or nothing when its code was taken meanwhile (the caller takes the next number). */
  insertBatch(tx: Tx, row: Insertable<StockBatchTable>): Promise<BatchRow | undefined> {
    return tx
      .insertInto('stock_batches')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'code']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  /** Removes a batch made in this transaction that took no movement (a lost race with a request's twin). */
  async removeEmptyBatch(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx
      .deleteFrom('stock_batches')
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('stock_movements')
              .select('stock_movements.id')
              .whereRef('stock_movements.batch_id', '=', 'stock_batches.id')
              .where('stock_movements.farm_id', '=', farmId),
          ),
        ),
      )
      .execute();
  },

  updateBatch(tx: Tx, farmId: string, id: string, patch: Updateable<StockBatchTable>): Promise<BatchRow | undefined> {
    return tx
      .updateTable('stock_batches')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  // Movements

  /** The movement, or nothing when its id is taken (a resend, or a race with one). */
  insertMovement(tx: Tx, row: Insertable<StockMovementTable>): Promise<MovementRow | undefined> {
    return tx
      .insertInto('stock_movements')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findMovement(tx: Tx, farmId: string, id: string): Promise<MovementRow | undefined> {
    return tx
      .selectFrom('stock_movements')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  movements(tx: Tx, farmId: string, batchId: string, before: Date | undefined, limit: number): Promise<MovementRow[]> {
    let query = tx
      .selectFrom('stock_movements')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('batch_id', '=', batchId);
    if (before) query = query.where('occurred_at', '<', before);
    return query.orderBy('occurred_at', 'desc').orderBy('recorded_at', 'desc').limit(limit).execute();
  },

  /** What the batch held at a moment: the sum of its movements up to then. */
  async heldAt(tx: Tx, farmId: string, batchId: string, at: Date): Promise<number> {
    const row = await tx
      .selectFrom('stock_movements')
      .select(sql<number>`coalesce(sum(quantity), 0)::int8`.as('held'))
      .where('farm_id', '=', farmId)
      .where('batch_id', '=', batchId)
      .where('occurred_at', '<=', at)
      .executeTakeFirstOrThrow();
    return Number(row.held);
  },

  /** When the batch's first movement happened (it began). */
  async firstMovementAt(tx: Tx, farmId: string, batchId: string): Promise<Date | undefined> {
    const row = await tx
      .selectFrom('stock_movements')
      .select((eb) => eb.fn.min('occurred_at').as('first'))
      .where('farm_id', '=', farmId)
      .where('batch_id', '=', batchId)
      .executeTakeFirst();
    return row?.first ? new Date(row.first as Date) : undefined;
  },

  // Counts

  findCount(tx: Tx, farmId: string, id: string): Promise<CountRow | undefined> {
    return tx
      .selectFrom('stock_counts')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  insertCount(tx: Tx, row: Insertable<StockCountTable>): Promise<CountRow | undefined> {
    return tx
      .insertInto('stock_counts')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  // Availability

  /**
   * What the farm can offer: its active batches' plants by product, size, packaging and state, and by
   * readiness on `today` (ready from the expected-ready date, almost within `almostDays`, else growing).
   */
  async availability(tx: Tx, farmId: string, today: string, almostDays: number) {
    const { rows } = await sql<{
      product_id: string;
      size_id: string | null;
      packaging_id: string;
      state_id: string | null;
      readiness: 'ready' | 'almost' | 'growing';
      quantity: number;
      batches: number;
      ready_on: string | null;
    }>`
      select product_id, size_id, packaging_id, state_id, readiness,
        sum(quantity)::int8 as quantity, count(*)::int8 as batches, min(ready_on) as ready_on
      from (
        select product_id, size_id, packaging_id, state_id, quantity, ready_on,
          case when ready_on is null then 'growing'
            when ready_on <= ${today}::date then 'ready'
            when ready_on <= ${today}::date + ${almostDays}::int then 'almost'
            else 'growing' end as readiness
        from stock_batches
        where farm_id = ${farmId} and status = 'active' and quantity > 0) b
      group by product_id, size_id, packaging_id, state_id, readiness`.execute(tx);
    return rows.map((r) => ({ ...r, quantity: Number(r.quantity), batches: Number(r.batches) }));
  },

  // The monthly reconciliation

  /** Movement sums per product, packaging and type: before `from`, and from `from` until `to`. */
  async monthSums(tx: Tx, farmId: string, from: Date, to: Date) {
    const { rows } = await sql<{
      product_id: string;
      packaging_id: string;
      type: string;
      before: number;
      within: number;
    }>`
      select b.product_id, b.packaging_id, m.type,
        coalesce(sum(m.quantity) filter (where m.occurred_at < ${from}), 0)::int8 as before,
        coalesce(sum(m.quantity) filter (where m.occurred_at >= ${from}), 0)::int8 as within
      from stock_movements m
      join stock_batches b on b.farm_id = m.farm_id and b.id = m.batch_id
      where m.farm_id = ${farmId} and m.occurred_at < ${to}
      group by b.product_id, b.packaging_id, m.type`.execute(tx);
    return rows.map((r) => ({ ...r, before: Number(r.before), within: Number(r.within) }));
  },

  // Reconciliation

  /** System scope: the farms that keep stock. */
  async farmsWithStock(tx: Tx): Promise<string[]> {
    const rows = await tx.selectFrom('stock_batches').select('farm_id').distinct().execute();
    return rows.map((r) => r.farm_id);
  },

  /** Every batch of the farm whose quantity is not the sum of its movements, and how many were checked. */
  async mismatches(tx: Tx, farmId: string) {
    const { rows } = await sql<{ id: string; code: string; quantity: number; movements: number }>`
      select b.id, b.code, b.quantity, coalesce(m.total, 0)::int8 as movements
      from stock_batches b
      left join (select batch_id, sum(quantity) as total from stock_movements where farm_id = ${farmId} group by batch_id) m
        on m.batch_id = b.id
      where b.farm_id = ${farmId} and b.quantity <> coalesce(m.total, 0)
      order by b.code`.execute(tx);
    const checked = await tx
      .selectFrom('stock_batches')
      .select(sql<number>`count(*)::int8`.as('n'))
      .where('farm_id', '=', farmId)
      .executeTakeFirstOrThrow();
    return {
      checked: Number(checked.n),
      mismatches: rows.map((r) => ({ ...r, quantity: Number(r.quantity), movements: Number(r.movements) })),
    };
  },

  insertReconciliation(tx: Tx, farmId: string, ranAt: Date, batches: number, mismatches: unknown) {
    return tx
      .insertInto('stock_reconciliations')
      .values({ farm_id: farmId, ran_at: ranAt, batches, mismatches: sql`${JSON.stringify(mismatches)}::jsonb` })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  reconciliations(tx: Tx, farmId: string, limit: number) {
    return tx
      .selectFrom('stock_reconciliations')
      .selectAll()
      .where('farm_id', '=', farmId)
      .orderBy('ran_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },
};
