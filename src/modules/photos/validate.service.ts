import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { conflict, DomainError, notFound, ruleViolation } from '../../platform/errors.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import type { StockService } from '../stock/index.js';
import { photosRepository as repo, type PhotoRow, type SessionRow } from './photos.repository.js';

interface Deps {
  db: Database;
  clock: Clock;
  stock: StockService;
}

/** What a reviewer sends: a corrected count (else the session's total is accepted) and a note. */
export interface ValidationInput {
  count?: number | undefined;
  note?: string | undefined;
}

/** The stock ledger's count as its `count` operation answers it. */
export type StockCount = Awaited<ReturnType<StockService['count']>>;

/** A validated session, its photo and the ledger's count it made. */
export interface Validated {
  session: SessionRow;
  photo: PhotoRow;
  stockCount: StockCount;
}

/**
 * The id of a session's one ledger count (and of its movement): made from the farm and the session, so two
 * validations of one session, however they race or fail half-way, can only ever record one.
 */
export function validationMovementId(farmId: string, sessionId: string): string {
  const b = createHash('sha256').update(`croft:photo-session-validation:${farmId}:${sessionId}`).digest();
  b[6] = (b[6]! & 0x0f) | 0x50; // the version nibble of a name-based (SHA) UUID
  b[8] = (b[8]! & 0x3f) | 0x80; // the RFC 4122 variant
  const hex = b.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const alreadyValidated = (session: Pick<SessionRow, 'id' | 'validated_at' | 'movement_id' | 'stock_count_id'>) =>
  conflict('ALREADY_VALIDATED', 'This session was validated already: its count is in the stock ledger', {
    session_id: session.id,
    validated_at: session.validated_at?.toISOString() ?? null,
    movement_id: session.movement_id,
    stock_count_id: session.stock_count_id,
  });

/**
 * The review of a counted photo: its count (accepted, or corrected by the reviewer) posted once to the stock
 * ledger through the ledger's count operation, at the photo's time and place.
 */
export class ValidationService {
  constructor(private readonly deps: Deps) {}

  /**
   * Validates a completed session: one count of its storage location in the stock ledger (source `ai` when
   * the session's total is accepted, `manual` when the reviewer sent another count), counted at the photo's
   * time. 409 ALREADY_VALIDATED the second time (with the movement id), 409 SESSION_NOT_COMPLETED before the
   * count is done, 422 NEEDS_LOCATION until the session's place is set; the ledger's own refusals (no or
   * several active batches at the place, a count before the batch began) pass through.
   */
  async validate(ctx: FarmContext, sessionId: string, input: ValidationInput, meta: RequestMeta): Promise<Validated> {
    const { session, photo } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const found = await repo.findSession(tx, ctx.farmId, sessionId);
      if (!found) throw notFound('photo session', { id: sessionId });
      return { session: found, photo: (await repo.findPhoto(tx, ctx.farmId, found.photo_id))! };
    });
    if (session.validated_at) throw alreadyValidated(session);
    if (session.status !== 'completed' || session.total === null)
      throw conflict('SESSION_NOT_COMPLETED', `The session is ${session.status}: validate it once it is counted`, {
        session_id: session.id,
        status: session.status,
      });
    if (session.warnings.includes('needs_location') || !photo.location_id)
      throw ruleViolation('NEEDS_LOCATION', 'Which storage location the photo shows is not known: PATCH the session', {
        session_id: session.id,
      });
    const counted = input.count ?? session.total;
    const source = counted === session.total ? 'ai' : 'manual';
    const id = validationMovementId(ctx.farmId, session.id);

    // The ledger's count runs in its own transaction (the stock module's service); its id is the session's,
    // so a retry or a racing twin finds the same count instead of making a second.
    let stockCount: StockCount;
    try {
      stockCount = await this.deps.stock.count(
        ctx,
        { movement_id: id, location_id: photo.location_id, counted, counted_at: photo.taken_at.toISOString(), source },
        meta,
      );
    } catch (error) {
      // The session's count is in the ledger already, made by a validation with another body.
      if (error instanceof DomainError && error.code === 'IDEMPOTENCY_CONFLICT') {
        const now = await this.deps.db.farm(ctx.farmId, (tx) => repo.findSession(tx, ctx.farmId, session.id));
        throw alreadyValidated({
          id: session.id,
          validated_at: now?.validated_at ?? null,
          movement_id: now?.movement_id ?? id,
          stock_count_id: id,
        });
      }
      throw error;
    }

    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const validatedAt = this.deps.clock.now();
      const updated = await repo.markValidated(tx, ctx.farmId, session.id, {
        validated_at: validatedAt,
        validated_by: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
        validated_count: counted,
        validated_source: source,
        validation_note: input.note ?? null,
        stock_count_id: stockCount.count.id,
        movement_id: stockCount.movement?.id ?? null,
      });
      if (!updated) {
        // A twin with the same body validated it first (the ledger answered both with one count).
        const winner = (await repo.findSession(tx, ctx.farmId, session.id))!;
        throw alreadyValidated(winner);
      }
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'photo.validated',
        category: 'stock',
        message:
          source === 'ai'
            ? `Photo count of ${counted} accepted into the stock ledger`
            : `Photo count corrected from ${session.total} to ${counted} and posted to the stock ledger`,
        data: {
          session_id: session.id,
          photo_id: photo.id,
          location_id: photo.location_id,
          batch_id: stockCount.batch.id,
          counted,
          session_total: session.total,
          source,
          stock_count_id: stockCount.count.id,
          movement_id: stockCount.movement?.id ?? null,
          note: input.note ?? null,
        },
      });
      return { session: updated, photo, stockCount };
    });
  }
}
