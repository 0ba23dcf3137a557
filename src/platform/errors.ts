/**
 * The one error type of Croft's domain. It knows nothing of HTTP: `kind` says what went wrong in
 * words a service understands, `code` is the stable UPPER_SNAKE identifier clients match on, and the
 * HTTP layer maps `kind` to a status in one place (platform/http/error-handler.ts).
 */
export type ErrorKind =
  | 'invalid' // the input is malformed
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media' // the body is not of a kind the endpoint takes (checked by its bytes)
  | 'rule' // a domain rule refused a well-formed request (e.g. KARENZ_VIOLATION)
  | 'locked'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export type ErrorDetails = Record<string, unknown>;

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string, details?: ErrorDetails, code = 'VALIDATION_FAILED') =>
  new DomainError('invalid', code, message, details);
export const notFound = (what: string, details?: ErrorDetails) =>
  new DomainError('not_found', 'NOT_FOUND', `${what} not found`, details);
export const conflict = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError('conflict', code, message, details);
export const forbidden = (message = 'You may not do this', details?: ErrorDetails) =>
  new DomainError('forbidden', 'FORBIDDEN', message, details);
export const unauthenticated = (message = 'Sign in first', details?: ErrorDetails) =>
  new DomainError('unauthenticated', 'UNAUTHENTICATED', message, details);
export const ruleViolation = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError('rule', code, message, details);
export const unavailable = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError('unavailable', code, message, details);
export const unsupportedMedia = (code: string, message: string, details?: ErrorDetails) =>
  new DomainError('unsupported_media', code, message, details);
/** A client-made id used again with a different request (docs/architecture.md, "Client-made ids"). */
export const idempotencyConflict = (message: string, details?: ErrorDetails) =>
  new DomainError('conflict', 'IDEMPOTENCY_CONFLICT', message, details);
