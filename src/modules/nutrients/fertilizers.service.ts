import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import {
  decodeCursor,
  encodeCursor,
  fertilizerColumns,
  fertilizerProblems,
  stockStep,
  unitOf,
  type FertilizerColumns,
  type Problem,
} from './fertilizers.engine.js';
import { fertilizersRepository as repo } from './fertilizers.repository.js';
import type { FertilizerFilter, FertilizerPatch, NewFertilizer, NewStockMovement } from './fertilizers.schemas.js';
import type { FertilizerRow, StockMovementRow } from './fertilizers.tables.js';

interface Deps {
  db: Database;
  clock: Clock;
}

export interface Paged<T> {
  rows: T[];
  nextCursor: string | null;
}

/** A 400 naming each field a rule refused; nothing when there are none. */
export function refuse(problems: Problem[], prefix = 'body.'): void {
  if (problems.length === 0) return;
  throw invalid(`The request is not valid: ${problems.map((p) => `${prefix}${p.field} ${p.message}`).join('; ')}`, {
    fields: problems.map((p) => ({ field: `${prefix}${p.field}`, message: p.message })),
  });
}

/** The sort key after which a page starts (400 naming query.cursor when it is not one of this list's). */
export function afterOf(cursor: string | undefined, shape: ReadonlyArray<'string' | 'number'>) {
  if (cursor === undefined) return undefined;
  const after = decodeCursor(cursor, shape);
  if (!after)
    throw invalid('The request is not valid: query.cursor is not a cursor of this list', {
      fields: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
    });
  return after;
}

/** A global row is Croft's: a farm reads it and never writes it. */
const globalRow = (id: string) =>
  new DomainError(
    'forbidden',
    'GLOBAL_ROW_READ_ONLY',
    'This fertilizer ships with Croft: a farm cannot change or delete it. Add one of your own instead.',
    { id },
  );

const sortKey = (r: { product: string; brand: string; id: string }) => [
  r.product.toLowerCase(),
  r.brand.toLowerCase(),
  r.id,
];

/**
 * Fertilizers — the generic ones that ship with Croft and a farm's own — and the farm's stock of each,
 * kept as a ledger of movements. Managers add and change the farm's own (as in the plant catalogue);
 * workers record stock; everyone in the farm reads.
 */
export class FertilizersService {
  constructor(private readonly deps: Deps) {}

  async list(ctx: FarmContext, filter: FertilizerFilter): Promise<Paged<{ row: FertilizerRow; onHand: number }>> {
    const limit = filter.limit ?? 50;
    const after = afterOf(filter.cursor, ['string', 'string', 'string']);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await repo.list(tx, { type: filter.type, q: filter.q, origin: filter.origin, after, limit });
      const stock = await repo.onHand(
        tx,
        ctx.farmId,
        rows.map((r) => r.id),
      );
      const last = rows.at(-1);
      return {
        rows: rows.map((row) => ({ row, onHand: stock.get(row.id) ?? 0 })),
        nextCursor: last && rows.length === limit ? encodeCursor(sortKey(last)) : null,
      };
    });
  }

  one(ctx: FarmContext, id: string): Promise<{ row: FertilizerRow; onHand: number }> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await this.#visible(tx, id);
      return { row, onHand: (await repo.onHand(tx, ctx.farmId, [id])).get(id) ?? 0 };
    });
  }

  async create(
    ctx: FarmContext,
    input: NewFertilizer,
    meta: RequestMeta,
  ): Promise<{ row: FertilizerRow; onHand: number; created: boolean }> {
    const columns = fertilizerColumns(input);
    refuse(fertilizerProblems(columns));
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const insert = async (id: string | undefined, hash: string | null) => {
        await this.#nameFree(tx, ctx.farmId, columns);
        const row = await repo.insert(tx, {
          ...columns,
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          key: null,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        });
        if (row) await this.#audit(tx, ctx, meta, 'fertilizer.created', `Fertilizer ${row.product} added`, row.id);
        return row;
      };
      const clientId = input.id;
      const { row, created } = clientId
        ? await idempotent({
            request: { ...input, id: undefined },
            // Fertilizer ids are unique across Croft (global rows share the table): an id the farm does
            // not see but that is taken answers like a concurrent twin that vanished (409 TRY_AGAIN).
            find: async () => {
              const found = await repo.byId(tx, clientId);
              return found?.farm_id === ctx.farmId ? found : undefined;
            },
            create: (hash) => insert(clientId, hash),
            storedHash: (r) => r.request_hash,
            details: { id: clientId },
          })
        : { row: (await insert(undefined, null))!, created: true };
      return { row, created, onHand: (await repo.onHand(tx, ctx.farmId, [row.id])).get(row.id) ?? 0 };
    });
  }

  async update(
    ctx: FarmContext,
    id: string,
    patch: FertilizerPatch,
    meta: RequestMeta,
  ): Promise<{ row: FertilizerRow; onHand: number }> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#own(tx, id);
      const next: FertilizerColumns = {
        ...fertilizerColumns({
          ...current,
          ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
        } as Parameters<typeof fertilizerColumns>[0]),
      };
      refuse(fertilizerProblems(next));
      if (patch.product !== undefined || patch.brand !== undefined) await this.#nameFree(tx, ctx.farmId, next, id);
      const row = (await repo.update(tx, ctx.farmId, id, { ...next, updated_at: now }))!;
      await this.#audit(tx, ctx, meta, 'fertilizer.updated', `Fertilizer ${row.product} changed`, id, {
        changed: Object.keys(patch),
      });
      return { row, onHand: (await repo.onHand(tx, ctx.farmId, [id])).get(id) ?? 0 };
    });
  }

  /** Deletes the farm's own fertilizer unless a plan doses it (409 IN_USE); its stock ledger goes with it. */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await this.#own(tx, id);
      const dosages = await repo.dosagesUsing(tx, id);
      if (dosages > 0)
        throw conflict('IN_USE', `Fertilizer ${row.product} is dosed by ${dosages} nutrient plan entries`, {
          id,
          references: { nutrient_plan_dosages: dosages },
        });
      await repo.remove(tx, ctx.farmId, id);
      await this.#audit(tx, ctx, meta, 'fertilizer.deleted', `Fertilizer ${row.product} deleted`, id);
    });
  }

  // Stock

  /** A product's stock: on hand and the latest movements. */
  stock(ctx: FarmContext, id: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const fertilizer = await this.#visible(tx, id);
      return {
        fertilizer,
        onHand: (await repo.onHand(tx, ctx.farmId, [id])).get(id) ?? 0,
        movements: await repo.movements(tx, ctx.farmId, id, 100),
      };
    });
  }

  /** The farm's stock of every product it has recorded a movement of. */
  async stockList(ctx: FarmContext, query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = query.limit ?? 50;
    const after = afterOf(query.cursor, ['string', 'string', 'string']);
    const rows = await this.deps.db.farm(ctx.farmId, (tx) => repo.stockList(tx, ctx.farmId, { after, limit }));
    const last = rows.at(-1);
    return {
      rows: rows.map((r) => ({
        fertilizer_id: r.id,
        product: r.product,
        brand: r.brand,
        on_hand: Math.round(Number(r.on_hand) * 1000) / 1000,
        unit: unitOf(r.form),
        last_movement_at: new Date(r.last_movement_at as unknown as string | Date).toISOString(),
      })),
      nextCursor: last && rows.length === limit ? encodeCursor(sortKey(last)) : null,
    };
  }

  /**
   * Records a movement (client-made id: the one idempotency rule). Used more than is on hand: 409
   * INSUFFICIENT_STOCK — on hand is never below zero; a count states what is really there.
   */
  async move(
    ctx: FarmContext,
    id: string,
    input: NewStockMovement,
    meta: RequestMeta,
  ): Promise<{ movement: StockMovementRow; fertilizer: FertilizerRow; onHand: number; created: boolean }> {
    const now = this.deps.clock.now();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + 60_000)
      throw invalid('A stock movement cannot be recorded ahead of time', {
        fields: [{ field: 'body.at', message: 'is in the future' }],
      });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const fertilizer = await this.#visible(tx, id);
      const insert = async (clientId: string | undefined, hash: string | null) => {
        await repo.lockStock(tx, ctx.farmId, id);
        const onHand = (await repo.onHand(tx, ctx.farmId, [id])).get(id) ?? 0;
        const step = stockStep(onHand, input.kind, input.quantity);
        if (!step.ok) {
          if (step.code === 'QUANTITY_ZERO')
            throw invalid(step.message, { fields: [{ field: 'body.quantity', message: 'must be above 0' }] });
          throw conflict(step.code, step.message, {
            on_hand: onHand,
            quantity: input.quantity,
            unit: unitOf(fertilizer.form),
          });
        }
        const row = await repo.insertMovement(tx, {
          ...(clientId ? { id: clientId } : {}),
          farm_id: ctx.farmId,
          fertilizer_id: id,
          kind: input.kind,
          quantity: input.quantity,
          delta: step.delta,
          on_hand_after: step.onHandAfter,
          at,
          note: input.note?.trim() ?? '',
          user_id: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          request_hash: hash,
          created_at: now,
        });
        if (row)
          await this.#audit(
            tx,
            ctx,
            meta,
            `fertilizer_stock.${input.kind}`,
            `Fertilizer ${fertilizer.product}: ${input.kind} ${input.quantity} ${unitOf(fertilizer.form)}`,
            id,
            { movement_id: row.id, delta: step.delta },
          );
        return row;
      };
      const clientId = input.id;
      const { row, created } = clientId
        ? await idempotent({
            request: { ...input, id: undefined, fertilizer_id: id },
            find: () => repo.findMovement(tx, ctx.farmId, clientId),
            create: (hash) => insert(clientId, hash),
            storedHash: (r) => r.request_hash,
            details: { id: clientId },
          })
        : { row: (await insert(undefined, null))!, created: true };
      return {
        movement: row,
        fertilizer,
        created,
        onHand: (await repo.onHand(tx, ctx.farmId, [id])).get(id) ?? 0,
      };
    });
  }

  /** A fertilizer the farm sees (global or its own): 404 otherwise. */
  async #visible(tx: Tx, id: string): Promise<FertilizerRow> {
    const row = await repo.byId(tx, id);
    if (!row) throw notFound('Fertilizer', { id });
    return row;
  }

  /** The farm's own fertilizer a write names: 404 when unseen, 403 GLOBAL_ROW_READ_ONLY for Croft's. */
  async #own(tx: Tx, id: string): Promise<FertilizerRow> {
    const row = await this.#visible(tx, id);
    if (row.farm_id === null) throw globalRow(id);
    return row;
  }

  async #nameFree(tx: Tx, farmId: string, f: { product: string; brand: string }, exceptId?: string) {
    const other = await repo.sameName(tx, farmId, f.product, f.brand, exceptId);
    if (other)
      throw conflict('ALREADY_EXISTS', `The farm already has ${f.product}${f.brand ? ` by ${f.brand}` : ''}`, {
        field: 'body.product',
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
      category: 'nutrients',
      message,
      data: { id, ...data },
    });
  }
}
