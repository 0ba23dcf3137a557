import { createHash } from 'node:crypto';
import { Type, type Static, type TSchema } from 'typebox';
import { DomainError, idempotencyConflict, type ErrorDetails } from './errors.js';
import type { ErrorResponse } from './http/error-handler.js';

/**
 * The one rule for every client-made id (an event's id made on a phone, a command's idempotency
 * key; docs/architecture.md, "Client-made ids"): the id is unique per farm; the first write answers 201; the same id
 * with the same request answers 200 with what the first one made; the same id with a different
 * request answers 409 IDEMPOTENCY_CONFLICT. Two identical requests at once make one row: the
 * module's insert is `… on conflict (farm_id, <id>) do nothing`, and the one that meets the id takes
 * the row the other made.
 */

/**
 * JSON with every object's keys sorted and undefined members left out, so that key order and
 * whitespace never make two requests differ. Dates become ISO text; anything else JSON cannot say
 * (a function, a bigint, a cycle) is a programming error.
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const write = (v: unknown): string | undefined => {
    if (v === null) return 'null';
    if (v instanceof Date) return JSON.stringify(v.toISOString());
    switch (typeof v) {
      case 'undefined':
        return undefined;
      case 'string':
      case 'boolean':
        return JSON.stringify(v);
      case 'number':
        if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${v} is not JSON`);
        return JSON.stringify(v);
      case 'object': {
        if (seen.has(v)) throw new TypeError('canonicalJson: a cycle is not JSON');
        seen.add(v);
        let text: string;
        if (Array.isArray(v)) {
          text = `[${v.map((item) => write(item) ?? 'null').join(',')}]`;
        } else {
          const members = Object.keys(v)
            .sort()
            .flatMap((key) => {
              const member = write((v as Record<string, unknown>)[key]);
              return member === undefined ? [] : [`${JSON.stringify(key)}:${member}`];
            });
          text = `{${members.join(',')}}`;
        }
        seen.delete(v);
        return text;
      }
      default:
        throw new TypeError(`canonicalJson: a ${typeof v} is not JSON`);
    }
  };
  return write(value) ?? 'null';
}

/** What "the same request" compares: the SHA-256 (hex) of the request's canonical JSON. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** What a module tells `idempotent` about one write with a client-made id. */
export interface IdempotentWrite<Row> {
  /**
   * The request as validated, with what the path names resolved (the hive, the device's own id) and
   * the id itself left out: its hash is stored with the row and compared on a repeat.
   */
  request: unknown;
  /** The row holding this id in this farm, if there is one. */
  find: () => Promise<Row | undefined>;
  /**
   * Checks what a first write must, makes the row with `requestHash` stored in it and does its side
   * effects (audit …). Its insert is `on conflict (farm_id, <id>) do nothing`: undefined when the id
   * turned out to be taken (a concurrent twin committed it first), and then nothing else is done.
   */
  create: (requestHash: string) => Promise<Row | undefined>;
  /** The hash stored with a row; null for rows stored before hashes were kept (any request matches). */
  storedHash: (row: Row) => string | null;
  /** Names the id in the 409, e.g. `{ id }` or `{ idempotency_key }`. */
  details?: ErrorDetails;
}

export interface IdempotentResult<Row> {
  row: Row;
  /** True for the first write (201); false for a repeat answering the stored row (200). */
  created: boolean;
}

/**
 * Runs one write with a client-made id in the caller's transaction (a farm-scoped one, READ
 * COMMITTED): a repeat answers the stored row, a different request under the same id throws
 * IDEMPOTENCY_CONFLICT, and otherwise `create` makes the row. When `create` finds the id taken — its
 * concurrent twin won — the winner's row (now visible) is answered, or the conflict thrown.
 */
export async function idempotent<Row>(write: IdempotentWrite<Row>): Promise<IdempotentResult<Row>> {
  const hash = requestHash(write.request);
  const repeat = (row: Row): IdempotentResult<Row> => {
    const stored = write.storedHash(row);
    if (stored !== null && stored !== hash) {
      throw idempotencyConflict(
        'This id was already used for a different request: make a new id for a new request',
        write.details,
      );
    }
    return { row, created: false };
  };
  const earlier = await write.find();
  if (earlier !== undefined) return repeat(earlier);
  const made = await write.create(hash);
  if (made !== undefined) return { row: made, created: true };
  const winner = await write.find();
  // Taken, yet gone again: deleted between the insert and this read. Rare; the client may retry.
  if (winner === undefined) {
    throw new DomainError('conflict', 'TRY_AGAIN', 'A concurrent change got in the way: try again');
  }
  return repeat(winner);
}

/** The HTTP status of an idempotent write's answer: the endpoint's own for the first write, 200 for a repeat. */
export const idempotentStatus = <C extends number>(created: boolean, first: C): C | 200 => (created ? first : 200);

/**
 * The answers an idempotent write declares besides its first one (201, or 202 for a queue):
 * 200 for a repeat (the same schema) and 409 for a different request under the same id.
 */
export const idempotentAnswers = <T extends TSchema>(schema: T) => ({
  200: Type.Unsafe<Static<T>>({ ...schema, description: 'A repeat of the first request with this id: what it made' }),
  409: Type.Unsafe<ErrorResponse>({
    $ref: 'ErrorResponse#',
    description: 'IDEMPOTENCY_CONFLICT: this id was already used in this farm for a different request',
  }),
});
