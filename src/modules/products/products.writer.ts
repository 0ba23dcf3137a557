import type { Insertable, Updateable } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import type { Problem } from './products.engine.js';
import { productsRepository as repo, type ProductTable, type RowOf } from './products.repository.js';
import type { ProductTables } from './products.tables.js';

/** What a new row needs besides what the module fills in itself. */
export type NewValues<N extends ProductTable> = Omit<
  Insertable<ProductTables[N]>,
  'id' | 'farm_id' | 'request_hash' | 'created_at' | 'updated_at'
>;

/** How audit entries name a kind of row: `product_category.created`, "Product category CACT added". */
export interface Kind<N extends ProductTable> {
  table: N;
  /** The audit event's prefix, e.g. `product_category`. */
  event: string;
  /** In words, capitalised: "Product category". */
  noun: string;
  /** The row in words: its code or SKU. */
  label: (row: RowOf<N>) => string;
}

/** A 400 naming each field (`body.<field>`) a rule refused; nothing when there are no problems. */
export function refuse(problems: Problem[], prefix = 'body.'): void {
  if (problems.length === 0) return;
  throw invalid(`The request is not valid: ${problems.map((p) => `${prefix}${p.field} ${p.message}`).join('; ')}`, {
    fields: problems.map((p) => ({ field: `${prefix}${p.field}`, message: p.message })),
  });
}

/** A row named in a body that the farm does not have: 400 naming the field. */
export const noSuch = (what: string, field: string) =>
  invalid(`No such ${what} in this farm`, { fields: [{ field, message: `no such ${what}` }] });

/** A code or SKU another row of the farm has: 409 ALREADY_EXISTS, naming it. */
export const taken = (what: string, field: string, value: string, id: string) =>
  conflict('ALREADY_EXISTS', `Another ${what} already has ${field.replace('body.', '')} ${value}`, {
    field,
    value,
    id,
  });

/**
 * The module's writes, done one way for every kind of row: in one farm transaction, with the audit
 * entry in it; a new row with a client-made id follows the one idempotency rule; a row still referred
 * to is not deleted (409 IN_USE, with what refers to it).
 */
export class ProductWriter {
  constructor(private readonly deps: { db: Database; clock: Clock }) {}

  farm<T>(ctx: FarmContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.deps.db.farm(ctx.farmId, fn);
  }

  /**
   * Makes a row. `prepare` resolves what the body names and checks its rules (a repeat is checked
   * too: it is the same body); `unique` checks the farm's codes and SKUs and runs only for a first
   * write. `request` is what a repeat is compared on: the body as validated, with the rows it names
   * resolved to their ids (a packaging named by SKU or by id is the same request); its `id` is left out.
   */
  async create<N extends ProductTable, Out>(
    ctx: FarmContext,
    meta: RequestMeta,
    kind: Kind<N>,
    spec: {
      clientId: string | undefined;
      prepare: (tx: Tx) => Promise<{ request: Record<string, unknown>; values: NewValues<N> }>;
      unique?: (tx: Tx) => Promise<void>;
      /** The answer, read in the same transaction (a view's joins). */
      answer: (tx: Tx, row: RowOf<N>) => Promise<Out>;
    },
  ): Promise<{ row: Out; created: boolean }> {
    const now = this.deps.clock.now();
    return this.farm(ctx, async (tx) => {
      const { request, values } = await spec.prepare(tx);
      const insert = async (id: string | undefined, hash: string | null) => {
        await spec.unique?.(tx);
        // The generic table's row type cannot be checked against its parts here; each caller's values are.
        const row = {
          ...values,
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        };
        const made = await repo.insert(tx, kind.table, row as unknown as Insertable<ProductTables[N]>);
        if (made) await this.#audit(tx, ctx, meta, kind, made, 'created', 'added');
        return made;
      };
      const clientId = spec.clientId;
      const { row, created } = clientId
        ? await idempotent({
            request: { ...request, id: undefined },
            find: () => repo.byId(tx, kind.table, ctx.farmId, clientId),
            create: (hash) => insert(clientId, hash),
            storedHash: (r) => r.request_hash,
            details: { id: clientId },
          })
        : { row: (await insert(undefined, null))!, created: true };
      return { row: await spec.answer(tx, row), created };
    });
  }

  /** Changes a row found by `find` (404 when it is not the farm's): `apply` checks and says what changes. */
  async patch<N extends ProductTable, Out>(
    ctx: FarmContext,
    meta: RequestMeta,
    kind: Kind<N>,
    spec: {
      find: (tx: Tx) => Promise<RowOf<N> | undefined>;
      apply: (tx: Tx, current: RowOf<N>) => Promise<Updateable<ProductTables[N]>>;
      answer: (tx: Tx, row: RowOf<N>) => Promise<Out>;
      changed: string[];
    },
  ): Promise<Out> {
    const now = this.deps.clock.now();
    return this.farm(ctx, async (tx) => {
      const current = await spec.find(tx);
      if (!current) throw notFound(kind.noun);
      const patch = await spec.apply(tx, current);
      const row = (await repo.update(tx, kind.table, ctx.farmId, current.id, {
        ...patch,
        updated_at: now,
      } as Updateable<ProductTables[N]>))!;
      await this.#audit(tx, ctx, meta, kind, row, 'updated', 'changed', { changed: spec.changed });
      return spec.answer(tx, row);
    });
  }

  /** Deletes a row unless `references` counts something that refers to it (409 IN_USE). */
  async remove<N extends ProductTable>(
    ctx: FarmContext,
    meta: RequestMeta,
    kind: Kind<N>,
    spec: {
      find: (tx: Tx) => Promise<RowOf<N> | undefined>;
      references?: (tx: Tx, row: RowOf<N>) => Promise<Record<string, number>>;
    },
  ): Promise<void> {
    await this.farm(ctx, async (tx) => {
      const row = await spec.find(tx);
      if (!row) throw notFound(kind.noun);
      const references = Object.fromEntries(
        Object.entries((await spec.references?.(tx, row)) ?? {}).filter(([, n]) => n > 0),
      );
      if (Object.keys(references).length > 0) {
        const words = Object.entries(references).map(([what, n]) => `${n} ${what}`);
        throw conflict('IN_USE', `${kind.noun} ${kind.label(row)} is still used by ${words.join(' and ')}`, {
          id: row.id,
          references,
        });
      }
      // Rows of other modules (stock batches) refer to some of these too: their foreign keys answer 409 IN_USE.
      await repo.remove(tx, kind.table, ctx.farmId, row.id);
      await this.#audit(tx, ctx, meta, kind, row, 'deleted', 'deleted');
    });
  }

  audit(tx: Tx, ctx: FarmContext, meta: RequestMeta, event: string, message: string, data: Record<string, unknown>) {
    return recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: event,
      category: 'products',
      message,
      data,
    });
  }

  #audit<N extends ProductTable>(
    tx: Tx,
    ctx: FarmContext,
    meta: RequestMeta,
    kind: Kind<N>,
    row: RowOf<N>,
    verb: 'created' | 'updated' | 'deleted',
    words: string,
    data: Record<string, unknown> = {},
  ) {
    return this.audit(tx, ctx, meta, `${kind.event}.${verb}`, `${kind.noun} ${kind.label(row)} ${words}`, {
      id: row.id,
      ...data,
    });
  }
}
