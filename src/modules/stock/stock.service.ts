import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { locationCode, locationReads, type LocationRow } from '../locations/index.js';
import { productReads } from '../products/index.js';
import {
  addDays,
  applyMovement,
  batchCode,
  batchCodeStem,
  countMovement,
  nextSeq,
  type MovementType,
  type Refusal,
} from './stock.engine.js';
import { checkConfig, kindOf, storageBin, storageLocation } from './stock.places.js';
import { stockRepository, type BatchKind, type BatchRow, type MovementRow } from './stock.repository.js';
import type { MovementSource } from './stock.tables.js';
import type { BatchPatch, NewBatch, NewCount, NewMovement, NewTransplant } from './stock.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
  live: LiveEvents;
}

const userOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

/** A refusal of the rules as the one error shape: 400 naming the quantity, or 409. */
function refused(refusal: Refusal, details: Record<string, unknown>): DomainError {
  if (refusal.status === 'invalid')
    return invalid(refusal.message, { fields: [{ field: 'body.quantity', message: refusal.message }] }, refusal.code);
  return conflict(refusal.code, refusal.message, details);
}

/** A movement as answered, with the batch as it stands after it. */
export interface Recorded {
  movement: MovementRow;
  batch: BatchRow;
}

/**
 * The stock ledger: batches and their movements. Every change of a batch's quantity is a movement
 * written in the same transaction as the batch, under its row lock, so the batch always equals the sum
 * of its movements; a movement's client-made id records it once (the same id with another request: 409).
 */
export class StockService {
  constructor(private readonly deps: Deps) {}

  // Batches

  /** Starts a batch at a storage location with its first movement (a manual initialisation). */
  async initialise(
    ctx: FarmContext,
    input: NewBatch,
    meta: RequestMeta,
  ): Promise<{ batch: BatchRow; created: boolean }> {
    const now = this.deps.clock.now();
    const at = input.occurred_at ? new Date(input.occurred_at) : now;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      // A resend is answered by its id first: what the first request checked may have changed since.
      const { row, created } = await idempotent({
        request: { ...input, operation: 'initialise' },
        find: () => stockRepository.findMovement(tx, ctx.farmId, input.movement_id),
        create: async (hash) => {
          const location = await storageLocation(tx, ctx.farmId, input.location, 'body.location');
          const bin = input.bin ? await storageBin(tx, ctx.farmId, input.bin, 'body.bin', location) : null;
          const resolved = await kindOf(tx, ctx.farmId, input);
          checkConfig(await stockRepository.config(tx, ctx.farmId, location.id), resolved.kind, location);
          const today = localTime(at, ctx.timeZone).date;
          const plantedOn = input.planted_on ?? today;
          const readyDays = resolved.size?.readyDays ?? resolved.product.readyDays;
          const batch = await this.#newBatch(tx, ctx.farmId, location, resolved.product.sku, today, {
            bin_id: bin?.id ?? null,
            ...resolved.kind,
            initial_quantity: input.quantity,
            quantity: input.quantity,
            quality: input.quality ?? null,
            planted_on: plantedOn,
            germinated_on: input.germinated_on ?? null,
            transplanted_on: null,
            ready_on: input.ready_on ?? (readyDays !== null ? addDays(plantedOn, readyDays) : null),
            created_at: now,
          });
          const movement = await stockRepository.insertMovement(tx, {
            id: input.movement_id,
            farm_id: ctx.farmId,
            batch_id: batch.id,
            type: 'manual_init',
            source: input.source ?? 'manual',
            quantity: input.quantity,
            from_bin_id: null,
            to_bin_id: bin?.id ?? null,
            unit_price_cents: null,
            total_price_cents: null,
            note: input.note ?? null,
            pair_id: null,
            user_id: userOf(ctx.caller),
            occurred_at: at,
            recorded_at: now,
            request_hash: hash,
          });
          // The id was taken meanwhile by a twin of this request: the batch made for it goes, the twin's answers.
          if (!movement) {
            await stockRepository.removeEmptyBatch(tx, ctx.farmId, batch.id);
            return undefined;
          }
          await recordAudit(tx, this.deps.clock, {
            farmId: ctx.farmId,
            caller: ctx.caller,
            meta,
            eventType: 'stock.batch_started',
            category: 'stock',
            message: `Batch ${batch.code}: ${input.quantity} plants at ${location.name}`,
            data: { batch_id: batch.id, movement_id: movement.id, quantity: input.quantity },
          });
          return movement;
        },
        storedHash: (m) => m.request_hash,
        details: { movement_id: input.movement_id },
      });
      if (!created && row.type !== 'manual_init')
        throw conflict('IDEMPOTENCY_CONFLICT', 'This id was already used for a different request: make a new id', {
          movement_id: input.movement_id,
        });
      return { batch: (await stockRepository.findBatch(tx, ctx.farmId, row.batch_id))!, created };
    });
  }

  /** A new batch with the next free code of its place, product and day. */
  async #newBatch(
    tx: Tx,
    farmId: string,
    location: LocationRow,
    sku: string,
    day: string,
    fields: Omit<
      Parameters<typeof stockRepository.insertBatch>[1],
      'farm_id' | 'code' | 'location_id' | 'status' | 'updated_at' | 'closed_at' | 'closed_by'
    >,
  ): Promise<BatchRow> {
    const stem = batchCodeStem(locationCode({ code: location.code, name: location.name }), sku, day);
    let seq = nextSeq(stem, await stockRepository.codesWithStem(tx, farmId, stem));
    for (let attempt = 0; attempt < 20; attempt++, seq++) {
      const batch = await stockRepository.insertBatch(tx, {
        ...fields,
        farm_id: farmId,
        code: batchCode(stem, seq),
        location_id: location.id,
        status: 'active',
        closed_at: null,
        closed_by: null,
        updated_at: fields.created_at,
      });
      if (batch) return batch;
    }
    throw new DomainError('conflict', 'TRY_AGAIN', 'Batch codes were taken meanwhile: try again');
  }

  batch(ctx: FarmContext, ref: string): Promise<BatchRow> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#batch(tx, ctx.farmId, ref, 'path'));
  }

  batches(
    ctx: FarmContext,
    query: { location?: string | undefined; product?: string | undefined; status?: string | undefined },
    cursor: string | undefined,
    limit: number,
  ) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      let locationIds: string[] | undefined;
      if (query.location) {
        const place = await locationReads.find(tx, ctx.farmId, query.location);
        if (!place) return [];
        locationIds = [place.id, ...(await locationReads.subtree(tx, ctx.farmId, place.id)).map((l) => l.id)];
      }
      let productId: string | undefined;
      if (query.product) {
        productId = (await productReads.product(tx, ctx.farmId, query.product))?.id;
        if (!productId) return [];
      }
      return stockRepository.batches(tx, ctx.farmId, { locationIds, productId, status: query.status }, cursor, limit);
    });
  }

  /** Changes what a batch is, not what it holds: quality, dates. Its quantity changes only by movements. */
  async updateBatch(ctx: FarmContext, ref: string, patch: BatchPatch, meta: RequestMeta): Promise<BatchRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const batch = await this.#batch(tx, ctx.farmId, ref, 'path', true);
      const updated = (await stockRepository.updateBatch(tx, ctx.farmId, batch.id, { ...patch, updated_at: now }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.batch_updated',
        category: 'stock',
        message: `Batch ${batch.code} changed`,
        data: { batch_id: batch.id, changed: Object.keys(patch) },
      });
      return updated;
    });
  }

  /** A person closes a batch: it takes no more movements (what it holds stays on record). */
  async closeBatch(ctx: FarmContext, ref: string, reason: string | undefined, meta: RequestMeta): Promise<BatchRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const batch = await this.#batch(tx, ctx.farmId, ref, 'path', true);
      if (batch.status === 'closed') return batch;
      const closed = (await stockRepository.updateBatch(tx, ctx.farmId, batch.id, {
        status: 'closed',
        closed_at: now,
        closed_by: userOf(ctx.caller),
        updated_at: now,
      }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.batch_closed',
        category: 'stock',
        message: `Batch ${batch.code} closed holding ${batch.quantity}${reason ? `: ${reason}` : ''}`,
        data: { batch_id: batch.id, quantity: batch.quantity, reason: reason ?? null },
      });
      return closed;
    });
  }

  movements(ctx: FarmContext, ref: string, cursor: string | undefined, limit: number) {
    const before = cursor ? new Date(cursor) : undefined;
    if (before && Number.isNaN(before.getTime())) throw invalid('Not a cursor of this list', { cursor });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const batch = await this.#batch(tx, ctx.farmId, ref, 'path');
      return stockRepository.movements(tx, ctx.farmId, batch.id, before, limit);
    });
  }

  // Movements

  /** A planting, sowing, death, sale or adjustment of one batch. */
  async record(ctx: FarmContext, input: NewMovement, meta: RequestMeta): Promise<Recorded & { created: boolean }> {
    const now = this.deps.clock.now();
    const at = input.occurred_at ? new Date(input.occurred_at) : now;
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const { row, created } = await idempotent({
        request: { ...input, operation: 'movement' },
        find: () => stockRepository.findMovement(tx, ctx.farmId, input.id),
        create: async (hash) => {
          const batch = await this.#batch(tx, ctx.farmId, input.batch, 'body.batch');
          const fromBin = input.from_bin ? await storageBin(tx, ctx.farmId, input.from_bin, 'body.from_bin') : null;
          const toBin = input.to_bin ? await storageBin(tx, ctx.farmId, input.to_bin, 'body.to_bin') : null;
          return this.#move(tx, ctx, batch.id, {
            id: input.id,
            type: input.type,
            quantity: input.quantity,
            source: input.source ?? 'manual',
            fromBinId: fromBin?.id ?? null,
            toBinId: toBin?.id ?? null,
            unitPriceCents: input.unit_price_cents ?? null,
            note: input.note ?? null,
            at,
            hash,
          });
        },
        storedHash: (m) => m.request_hash,
        details: { id: input.id },
      });
      const after = (await stockRepository.findBatch(tx, ctx.farmId, row.batch_id))!;
      if (created)
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'stock.moved',
          category: 'stock',
          message: `Batch ${after.code}: ${input.type} ${input.quantity > 0 ? '+' : ''}${input.quantity}`,
          data: { batch_id: after.id, movement_id: row.id, type: row.type, quantity: row.quantity },
        });
      return { movement: row, batch: after, created };
    });
    if (result.created) this.#announce(ctx.farmId, [result]);
    return result;
  }

  /**
   * One movement of a batch under its row lock: checked by the rules against what it holds now, written,
   * and the batch brought to the sum. Undefined when the id was recorded meanwhile (the caller answers
   * with that one).
   */
  async #move(
    tx: Tx,
    ctx: FarmContext,
    batchId: string,
    m: {
      id: string;
      type: MovementType;
      quantity: number;
      source: MovementSource;
      fromBinId: string | null;
      toBinId: string | null;
      unitPriceCents: number | null;
      note: string | null;
      at: Date;
      hash: string | null;
      pairId?: string | null;
    },
  ): Promise<MovementRow | undefined> {
    const [batch] = await stockRepository.lockBatches(tx, ctx.farmId, [batchId]);
    // A resend that waited for the lock behind its twin: the twin's movement answers.
    if (await stockRepository.findMovement(tx, ctx.farmId, m.id)) return undefined;
    const applied = applyMovement(
      { quantity: batch!.quantity, emptyContainers: batch!.empty_containers, status: batch!.status },
      { type: m.type, quantity: m.quantity },
    );
    if (!applied.ok) throw refused(applied, { batch_id: batchId, code: batch!.code, quantity: batch!.quantity });
    const movement = await stockRepository.insertMovement(tx, {
      id: m.id,
      farm_id: ctx.farmId,
      batch_id: batchId,
      type: m.type,
      source: m.source,
      quantity: m.quantity,
      from_bin_id: m.fromBinId,
      to_bin_id: m.toBinId,
      unit_price_cents: m.unitPriceCents,
      total_price_cents: m.unitPriceCents === null ? null : m.unitPriceCents * Math.abs(m.quantity),
      note: m.note,
      pair_id: m.pairId ?? null,
      user_id: userOf(ctx.caller),
      occurred_at: m.at,
      recorded_at: this.deps.clock.now(),
      request_hash: m.hash,
    });
    if (!movement) return undefined;
    await stockRepository.updateBatch(tx, ctx.farmId, batchId, {
      quantity: applied.batch.quantity,
      empty_containers: applied.batch.emptyContainers,
      status: applied.batch.status,
      updated_at: this.deps.clock.now(),
    });
    return movement;
  }

  // Transplants

  /**
   * Plants moved out of one batch into another (found, or made with today's transplant date) at another
   * place or in another packaging, state or size — never another product. Two movements, one transaction.
   */
  async transplant(ctx: FarmContext, input: NewTransplant, meta: RequestMeta) {
    const now = this.deps.clock.now();
    const at = input.occurred_at ? new Date(input.occurred_at) : now;
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      // A resend is answered by its id first: what the first request checked may have changed since.
      const { row: out, created } = await idempotent({
        request: { ...input, operation: 'transplant' },
        find: () => stockRepository.findMovement(tx, ctx.farmId, input.id),
        create: async (hash) => {
          const source = await this.#batch(tx, ctx.farmId, input.from_batch, 'body.from_batch');
          const to = input.to;
          const location = await storageLocation(tx, ctx.farmId, to.location ?? source.location_id, 'body.to.location');
          const bin = to.bin ? await storageBin(tx, ctx.farmId, to.bin, 'body.to.bin', location) : null;
          const resolved = await kindOf(
            tx,
            ctx.farmId,
            {
              product: to.product ?? source.product_id,
              packaging: to.packaging ?? source.packaging_id,
              state: to.state !== undefined ? to.state : source.state_id,
              size: to.size !== undefined ? to.size : source.size_id,
            },
            'body.to',
          );
          const kind = resolved.kind;
          if (kind.product_id !== source.product_id)
            throw ruleViolation(
              'TRANSPLANT_OTHER_PRODUCT',
              'A transplant keeps the product: record a new batch instead',
              {
                from_product_id: source.product_id,
                to_product_id: kind.product_id,
              },
            );
          const binId = bin?.id ?? (location.id === source.location_id ? source.bin_id : null);
          if (location.id === source.location_id && binId === source.bin_id && sameKind(source, kind))
            throw ruleViolation(
              'TRANSPLANT_NOWHERE',
              'The destination is the batch’s own place and config: change the place, bin, packaging, state or size',
              { batch_id: source.id },
            );
          checkConfig(await stockRepository.config(tx, ctx.farmId, location.id), kind, location);
          const today = localTime(at, ctx.timeZone).date;
          const found = await stockRepository.activeExactly(tx, ctx.farmId, location.id, binId, kind);
          const destination =
            found ??
            (await this.#newBatch(tx, ctx.farmId, location, resolved.product.sku, today, {
              bin_id: binId,
              ...kind,
              initial_quantity: 0,
              quantity: 0,
              quality: source.quality,
              planted_on: source.planted_on,
              germinated_on: source.germinated_on,
              transplanted_on: today,
              ready_on: source.ready_on,
              created_at: now,
            }));
          // Both batches locked in one order before either moves (two crossing transplants never deadlock).
          await stockRepository.lockBatches(tx, ctx.farmId, [source.id, destination.id]);
          const inId = randomUUID();
          const common = {
            source: input.source ?? ('manual' as const),
            fromBinId: source.bin_id,
            toBinId: binId,
            unitPriceCents: null,
            note: input.note ?? null,
            at,
          };
          const outMove = await this.#move(tx, ctx, source.id, {
            ...common,
            id: input.id,
            type: 'transplant_out',
            quantity: -input.quantity,
            hash,
            pairId: inId,
          });
          // The id was taken meanwhile by a twin of this request: a batch made for it goes, the twin's answers.
          if (!outMove) {
            if (!found) await stockRepository.removeEmptyBatch(tx, ctx.farmId, destination.id);
            return undefined;
          }
          await this.#move(tx, ctx, destination.id, {
            ...common,
            id: inId,
            type: 'transplant_in',
            quantity: input.quantity,
            hash: null,
            pairId: input.id,
          });
          if (!found)
            await stockRepository.updateBatch(tx, ctx.farmId, destination.id, { initial_quantity: input.quantity });
          await recordAudit(tx, this.deps.clock, {
            farmId: ctx.farmId,
            caller: ctx.caller,
            meta,
            eventType: 'stock.transplanted',
            category: 'stock',
            message: `${input.quantity} plants from ${source.code} to ${destination.code}`,
            data: {
              from_batch_id: source.id,
              to_batch_id: destination.id,
              quantity: input.quantity,
              movement_id: input.id,
            },
          });
          return outMove;
        },
        storedHash: (m) => m.request_hash,
        details: { id: input.id },
      });
      if (out.type !== 'transplant_out')
        throw conflict('IDEMPOTENCY_CONFLICT', 'This id was already used for a different request: make a new id', {
          id: input.id,
        });
      const inMove = (await stockRepository.findMovement(tx, ctx.farmId, out.pair_id!))!;
      return {
        created,
        out: { movement: out, batch: (await stockRepository.findBatch(tx, ctx.farmId, out.batch_id))! },
        in: { movement: inMove, batch: (await stockRepository.findBatch(tx, ctx.farmId, inMove.batch_id))! },
      };
    });
    if (result.created) this.#announce(ctx.farmId, [result.out, result.in]);
    return result;
  }

  // Counts

  /**
   * A count of a storage location: its one active batch (by its config), what it held at the count's
   * moment (movements recorded later are not counted twice), the difference, and the movement recording
   * it — a shortfall as a sale or an adjustment (as asked, else the farm's default), a surplus as an
   * adjustment.
   */
  async count(ctx: FarmContext, input: NewCount, meta: RequestMeta) {
    const now = this.deps.clock.now();
    const at = new Date(input.counted_at);
    if (at.getTime() > now.getTime() + 5 * 60_000)
      throw invalid('A count cannot be made in the future', {
        fields: [{ field: 'body.counted_at', message: 'after now' }],
      });
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const { row, created } = await idempotent({
        request: { ...input, operation: 'count' },
        find: () => stockRepository.findCount(tx, ctx.farmId, input.movement_id),
        create: async (hash) => {
          const location = await storageLocation(tx, ctx.farmId, input.location_id, 'body.location_id');
          const config = await stockRepository.config(tx, ctx.farmId, location.id);
          const candidates = await stockRepository.activeAt(tx, ctx.farmId, location.id, config ?? null);
          if (candidates.length !== 1)
            throw conflict(
              candidates.length === 0 ? 'NO_ACTIVE_BATCH' : 'SEVERAL_ACTIVE_BATCHES',
              candidates.length === 0
                ? `No active batch${config ? ' of its config' : ''} at ${location.name}: start one first`
                : `${candidates.length} active batches at ${location.name} (${candidates.map((b) => b.code).join(', ')}): set the location's stock config, or close the ones counted elsewhere`,
              { location_id: location.id, batches: candidates.map((b) => ({ id: b.id, code: b.code })) },
            );
          const batch = candidates[0]!;
          await stockRepository.lockBatches(tx, ctx.farmId, [batch.id]);
          // A count from before the batch began would count its whole stock as a surplus.
          const began = await stockRepository.firstMovementAt(tx, ctx.farmId, batch.id);
          if (began && at < began)
            throw ruleViolation(
              'COUNT_BEFORE_BATCH',
              `Batch ${batch.code} began at ${began.toISOString()}: a count from ${at.toISOString()} cannot be set against it`,
              { batch_id: batch.id, began_at: began.toISOString(), counted_at: at.toISOString() },
            );
          const expected = await stockRepository.heldAt(tx, ctx.farmId, batch.id, at);
          const shortfallAs = input.difference_as ?? (await stockRepository.shortfallAs(tx, ctx.farmId));
          const decided = countMovement(expected, input.counted, shortfallAs);
          if (decided.movement) {
            const moved = await this.#move(tx, ctx, batch.id, {
              id: input.movement_id,
              type: decided.movement.type,
              quantity: decided.movement.quantity,
              source: input.source,
              fromBinId: null,
              toBinId: null,
              unitPriceCents: null,
              note: `Count of ${input.counted} (expected ${expected})`,
              at,
              hash,
            });
            if (!moved)
              throw conflict('IDEMPOTENCY_CONFLICT', 'This id was already used for another movement: make a new id', {
                movement_id: input.movement_id,
              });
          }
          const count = await stockRepository.insertCount(tx, {
            id: input.movement_id,
            farm_id: ctx.farmId,
            location_id: location.id,
            batch_id: batch.id,
            counted: input.counted,
            expected,
            difference: decided.difference,
            counted_at: at,
            source: input.source,
            recorded_as: decided.movement?.type ?? null,
            user_id: userOf(ctx.caller),
            recorded_at: now,
            request_hash: hash,
          });
          if (count)
            await recordAudit(tx, this.deps.clock, {
              farmId: ctx.farmId,
              caller: ctx.caller,
              meta,
              eventType: 'stock.counted',
              category: 'stock',
              message: `Batch ${batch.code} counted: ${input.counted} (expected ${expected}, ${decided.difference >= 0 ? '+' : ''}${decided.difference})`,
              data: { batch_id: batch.id, count_id: count.id, expected, counted: input.counted },
            });
          return count;
        },
        storedHash: (c) => c.request_hash,
        details: { movement_id: input.movement_id },
      });
      const movement = row.recorded_as ? await stockRepository.findMovement(tx, ctx.farmId, row.id) : undefined;
      const batch = (await stockRepository.findBatch(tx, ctx.farmId, row.batch_id))!;
      return { count: row, movement: movement ?? null, batch, created };
    });
    if (result.created && result.movement)
      this.#announce(ctx.farmId, [{ movement: result.movement, batch: result.batch }]);
    return result;
  }

  // Helpers

  async #batch(tx: Tx, farmId: string, ref: string, where: 'path' | string, lock = false): Promise<BatchRow> {
    const batch = await stockRepository.findBatch(tx, farmId, ref, lock);
    if (!batch) {
      if (where === 'path') throw notFound('batch', { batch: ref });
      throw invalid('No such batch in this farm', {
        fields: [{ field: where, message: 'no such batch (id or code)' }],
      });
    }
    return batch;
  }

  /** Movements on the farm's live channel (after the commit). */
  #announce(farmId: string, recorded: Recorded[]): void {
    for (const { movement, batch } of recorded)
      this.deps.live.farmEvent(farmId, {
        type: 'stock',
        batch_id: batch.id,
        code: batch.code,
        movement: movement.type,
        quantity: movement.quantity,
        batch_quantity: batch.quantity,
        status: batch.status,
      });
  }
}

function sameKind(batch: BatchRow, kind: BatchKind): boolean {
  return (
    batch.product_id === kind.product_id &&
    batch.packaging_id === kind.packaging_id &&
    batch.state_id === kind.state_id &&
    batch.size_id === kind.size_id
  );
}
