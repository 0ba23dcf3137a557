import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { DomainError, type ErrorDetails, type ErrorKind } from '../errors.js';

/** The one shape of every failure under /api/. */
export const ErrorResponse = Type.Object(
  {
    error_id: Type.String({ format: 'uuid', description: 'Quote it when reporting a problem: the logs carry it too' }),
    error_code: Type.String({ description: 'Stable UPPER_SNAKE code to match on', examples: ['NOT_FOUND'] }),
    message: Type.String({ description: 'What went wrong, for people' }),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'ErrorResponse', additionalProperties: false },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** The one place a kind of domain error becomes an HTTP status. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  rule: 422,
  locked: 423,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const CODE_OF_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  423: 'LOCKED',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'UNAVAILABLE',
};

interface Described {
  status: number;
  code: string;
  message: string;
  details: ErrorDetails;
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** `body.readings[3].value`: where in the request a field failed. */
function fieldPath(context: string | undefined, issue: ValidationIssue): string {
  const parts = issue.instancePath.split('/').filter(Boolean);
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') {
    parts.push(issue.params.missingProperty);
  }
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
    parts.push(issue.params.additionalProperty);
  }
  const path = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  return `${context ?? 'request'}${path}`;
}

function issueMessage(issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not a known field';
  if (issue.keyword === 'required') return 'is required';
  return issue.message ?? 'is not valid';
}

/** Database errors a client can cause (a duplicate, a row still in use) rather than bugs. */
function describeDatabaseError(error: { code?: string; constraint?: string }): Described | undefined {
  switch (error.code) {
    case '23505':
      return {
        status: 409,
        code: 'ALREADY_EXISTS',
        message: 'Something with these values already exists',
        details: error.constraint ? { constraint: error.constraint } : {},
      };
    case '23503':
    case '23001': // restrict_violation: PostgreSQL 18 reports ON DELETE RESTRICT this way
      return {
        status: 409,
        code: 'IN_USE',
        message: 'This is still referred to, or refers to something missing',
        details: error.constraint ? { constraint: error.constraint } : {},
      };
    case '40001':
    case '40P01':
      return { status: 409, code: 'TRY_AGAIN', message: 'A concurrent change got in the way: try again', details: {} };
    default:
      return undefined;
  }
}

export function describeError(error: unknown): Described | undefined {
  if (error instanceof DomainError) {
    return { status: STATUS_OF_KIND[error.kind], code: error.code, message: error.message, details: error.details };
  }
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const fields = fastifyError.validation.map((issue) => ({
      field: fieldPath(fastifyError.validationContext, issue),
      message: issueMessage(issue),
    }));
    const summary = fields
      .slice(0, 3)
      .map((f) => `${f.field} ${f.message}`)
      .join('; ');
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: `The request is not valid: ${summary}`,
      details: { fields },
    };
  }
  if (fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return { status: 414, code: 'URI_TOO_LONG', message: 'A part of the path is longer than allowed', details: {} };
  }
  if (fastifyError.code === 'FST_ERR_BAD_URL') {
    return {
      status: 400,
      code: 'BAD_URL',
      message: 'The URL is not valid: its %-encoding cannot be decoded',
      details: {},
    };
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'The request body is larger than this endpoint accepts',
      details: {},
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: CODE_OF_STATUS[status] ?? 'BAD_REQUEST', message: fastifyError.message, details: {} };
  }
  return describeDatabaseError(error as { code?: string; constraint?: string });
}

export function sendError(reply: FastifyReply, described: Described, errorId: string = randomUUID()): FastifyReply {
  const body: ErrorResponse = {
    error_id: errorId,
    error_code: described.code,
    message: described.message,
    details: described.details,
  };
  return reply.code(described.status).type('application/json; charset=utf-8').send(body);
}

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/');
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs (a path
 * parameter over the length limit, a URL that cannot be decoded). Under /api/ in the one error shape,
 * with the headers every response carries; elsewhere plain text.
 */
export function answerFrameworkError(
  headers: Record<string, string>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    reply.headers(headers).header('x-request-id', request.id);
    const described = describeError(error) ?? {
      status: 500,
      code: 'INTERNAL',
      message: 'Something went wrong on our side',
      details: {},
    };
    if (described.status >= 500) request.log.error({ err: error }, 'request failed before routing');
    else request.log.info({ code: described.code, status: described.status }, described.message);
    if (isApiPath(request.url ?? '')) sendError(reply, described);
    else reply.code(described.status).type('text/plain; charset=utf-8').send(described.message);
  };
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (a malformed request line,
 * headers over the size limit, a timeout). Its URL is not known, so it always gets the one error shape.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const messages: Record<number, string> = {
    400: 'The request is not valid HTTP',
    408: 'The request took too long to arrive',
    431: 'The request headers are larger than allowed',
  };
  const body: ErrorResponse = {
    error_id: randomUUID(),
    error_code: CODE_OF_STATUS[status]!,
    message: messages[status]!,
    details: {},
  };
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/**
 * Every failure becomes `{error_id, error_code, message, details}`. Anything not described is a 500
 * that shows nothing of its cause; the log line carries the cause and the same error_id.
 */
/** What answers a page request (not /api) that no route took: the web app's index, for deep links. */
export type PageFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>;

export function registerErrorHandling(app: FastifyInstance, pageFallback?: PageFallback): void {
  app.addSchema(ErrorResponse);

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const errorId = randomUUID();
    const described = describeError(error);
    if (described && described.status < 500) {
      request.log.info({ errorId, code: described.code, status: described.status }, described.message);
      return sendError(reply, described, errorId);
    }
    const status = described?.status ?? 500;
    request.log.error({ err: error, errorId }, 'request failed');
    return sendError(
      reply,
      {
        status,
        code: described?.code ?? 'INTERNAL',
        message:
          status === 500 ? `Something went wrong on our side. Quote ${errorId} when reporting it.` : described!.message,
        details: {},
      },
      errorId,
    );
  });

  app.setNotFoundHandler((request, reply) => {
    if (isApiPath(request.url)) {
      return sendError(reply, {
        status: 404,
        code: 'ROUTE_NOT_FOUND',
        message: `No API endpoint ${request.method} ${request.url.split('?')[0]}`,
        details: {},
      });
    }
    if (pageFallback && (request.method === 'GET' || request.method === 'HEAD')) return pageFallback(request, reply);
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
  });
}
