import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type {
  FertilizerRow,
  FertilizerStockMovementTable,
  FertilizerTable,
  FertilizerType,
  StockMovementRow,
} from './fertilizers.tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuids = (ids: readonly string[]) => [...new Set(ids.filter((id) => UUID.test(id)))];

/**
 * The fertilizers with these ids that the transaction's farm sees: Croft's global rows and the farm's
 * own (row-level security does the scoping; retired global rows are included, since plans may still
 * name them). Ids that are not UUIDs, or not seen, are left out. The dosing calculator reads rows here.
 */
export async function byIds(tx: Tx, ids: string[]): Promise<FertilizerRow[]> {
  const wanted = uuids(ids);
  if (wanted.length === 0) return [];
  return tx.selectFrom('fertilizers').selectAll().where('id', 'in', wanted).execute();
}

export interface FertilizerListFilter {
  type?: FertilizerType | undefined;
  q?: string | undefined;
  origin?: 'global' | 'farm' | undefined;
  /** The sort key after which the page starts: [lower(product), lower(brand), id]. */
  after?: Array<string | number> | undefined;
  limit: number;
}

/** Every query of fertilizers and their stock; each takes the caller's transaction first. */
export const fertilizersRepository = {
  byIds,

  async byId(tx: Tx, id: string): Promise<FertilizerRow | undefined> {
    if (!UUID.test(id)) return undefined;
    return tx.selectFrom('fertilizers').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The visible rows (retired global ones left out), by product, brand and id. */
  list(tx: Tx, filter: FertilizerListFilter): Promise<FertilizerRow[]> {
    let query = tx.selectFrom('fertilizers').selectAll().where('retired_at', 'is', null);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.origin) query = query.where('farm_id', filter.origin === 'global' ? 'is' : 'is not', null);
    if (filter.q) {
      const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([eb(eb.fn('lower', ['product']), 'like', like), eb(eb.fn('lower', ['brand']), 'like', like)]),
      );
    }
    if (filter.after) {
      const [product, brand, id] = filter.after as [string, string, string];
      query = query.where(sql<boolean>`(lower(product), lower(brand), id::text) > (${product}, ${brand}, ${id})`);
    }
    return query
      .orderBy(sql`lower(product)`)
      .orderBy(sql`lower(brand)`)
      .orderBy(sql`id::text`)
      .limit(filter.limit)
      .execute();
  },

  /** The farm's own row with this product and brand (any case), other than `exceptId`. */
  sameName(tx: Tx, farmId: string, product: string, brand: string, exceptId?: string) {
    let query = tx
      .selectFrom('fertilizers')
      .select('id')
      .where('farm_id', '=', farmId)
      .where(sql<boolean>`lower(product) = lower(${product}) and lower(brand) = lower(${brand})`);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.executeTakeFirst();
  },

  /** Undefined when the id is taken (the one idempotency rule's insert). */
  insert(tx: Tx, row: Insertable<FertilizerTable>): Promise<FertilizerRow | undefined> {
    return tx
      .insertInto('fertilizers')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  update(tx: Tx, farmId: string, id: string, patch: Updateable<FertilizerTable>) {
    return tx
      .updateTable('fertilizers')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async remove(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('fertilizers').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** How many of the farm's plan dosages name the fertilizer. */
  async dosagesUsing(tx: Tx, id: string): Promise<number> {
    const row = await tx
      .selectFrom('nutrient_plan_dosages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('fertilizer_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  // Stock

  /** What the farm has on hand of each product (0 for none). */
  async onHand(tx: Tx, farmId: string, ids: string[]): Promise<Map<string, number>> {
    const wanted = uuids(ids);
    if (wanted.length === 0) return new Map();
    const rows = await tx
      .selectFrom('fertilizer_stock_movements')
      .select(['fertilizer_id', (eb) => eb.fn.sum<number>('delta').as('on_hand')])
      .where('farm_id', '=', farmId)
      .where('fertilizer_id', 'in', wanted)
      .groupBy('fertilizer_id')
      .execute();
    return new Map(rows.map((r) => [r.fertilizer_id, Math.round(Number(r.on_hand) * 1000) / 1000]));
  },

  /** Holds one product's ledger of one farm until the transaction ends: movements are written one at a time. */
  async lockStock(tx: Tx, farmId: string, fertilizerId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext(${`croft.fertilizer-stock:${farmId}:${fertilizerId}`}))`.execute(
      tx,
    );
  },

  findMovement(tx: Tx, farmId: string, id: string): Promise<StockMovementRow | undefined> {
    return tx
      .selectFrom('fertilizer_stock_movements')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  insertMovement(tx: Tx, row: Insertable<FertilizerStockMovementTable>): Promise<StockMovementRow | undefined> {
    return tx
      .insertInto('fertilizer_stock_movements')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  movements(tx: Tx, farmId: string, fertilizerId: string, limit: number): Promise<StockMovementRow[]> {
    return tx
      .selectFrom('fertilizer_stock_movements')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('fertilizer_id', '=', fertilizerId)
      .orderBy('created_at', 'desc')
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
  },

  /** The products the farm keeps stock of (any movement), by product, brand and id. */
  stockList(tx: Tx, farmId: string, page: { after?: Array<string | number> | undefined; limit: number }) {
    let query = tx
      .selectFrom('fertilizer_stock_movements as m')
      .innerJoin('fertilizers as f', 'f.id', 'm.fertilizer_id')
      .select([
        'f.id',
        'f.product',
        'f.brand',
        'f.form',
        (eb) => eb.fn.sum<number>('m.delta').as('on_hand'),
        (eb) => eb.fn.max('m.at').as('last_movement_at'),
      ])
      .where('m.farm_id', '=', farmId)
      .groupBy(['f.id', 'f.product', 'f.brand', 'f.form']);
    if (page.after) {
      const [product, brand, id] = page.after as [string, string, string];
      query = query.where(sql<boolean>`(lower(f.product), lower(f.brand), f.id::text) > (${product}, ${brand}, ${id})`);
    }
    return query
      .orderBy(sql`lower(f.product)`)
      .orderBy(sql`lower(f.brand)`)
      .orderBy(sql`f.id::text`)
      .limit(page.limit)
      .execute();
  },

  // The seed (system scope)

  seedState(tx: Tx) {
    return tx.selectFrom('fertilizer_seed_state').selectAll().executeTakeFirst();
  },

  async saveSeedState(tx: Tx, hash: string, now: Date, counts: Record<string, unknown>): Promise<void> {
    await tx
      .insertInto('fertilizer_seed_state')
      .values({ id: true, content_hash: hash, loaded_at: now, counts })
      .onConflict((oc) => oc.column('id').doUpdateSet({ content_hash: hash, loaded_at: now, counts }))
      .execute();
  },

  async lockSeed(tx: Tx): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('croft.fertilizer-seed'))`.execute(tx);
  },

  globalRows(tx: Tx): Promise<FertilizerRow[]> {
    return tx.selectFrom('fertilizers').selectAll().where('farm_id', 'is', null).execute();
  },

  async insertGlobal(tx: Tx, row: Insertable<FertilizerTable>): Promise<void> {
    await tx.insertInto('fertilizers').values(row).execute();
  },

  async updateGlobal(tx: Tx, key: string, patch: Updateable<FertilizerTable>): Promise<void> {
    await tx.updateTable('fertilizers').set(patch).where('farm_id', 'is', null).where('key', '=', key).execute();
  },
};
