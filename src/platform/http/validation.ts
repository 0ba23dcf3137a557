import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { invalid } from '../errors.js';
import { isApiPath } from './error-handler.js';

const COMMON: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

const RFC_3339 = addFormats.default.get('date-time') as { validate: (text: string) => boolean };

/**
 * RFC 3339 allows a leap second (`23:59:60Z`), which a JavaScript Date cannot hold: it became an
 * Invalid Date deep in a query, a 500. A date-time must be one a Date can be made of.
 */
const dateTime = (text: string) => RFC_3339.validate(text) && !Number.isNaN(Date.parse(text));

function build(options: Options): Ajv {
  const ajv = new Ajv({ ...COMMON, ...options });
  addFormats.default(ajv);
  ajv.addFormat('date-time', { type: 'string', validate: dateTime });
  return ajv;
}

/**
 * JSON bodies are validated as sent — `"5"` is not a number and `null` is not `""` — while the query
 * string, path and headers, which are text by nature, are coerced to the declared types.
 */
export function registerValidation(app: FastifyInstance): void {
  const body = build({ coerceTypes: false });
  const text = build({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(app, () => (httpPart === 'body' ? body : text).compile(schema)),
  );
  registerOptionalBodies(app);
  registerNulGuard(app);
}

const pending = new WeakMap<FastifyInstance, Array<() => unknown>>();

/** Remembers a compile that was put off, so a test can run every one of them (`compileEverySchema`). */
export function putOff<F>(app: FastifyInstance, compile: () => F): () => F {
  let compiled: F | undefined;
  const once = () => (compiled ??= compile());
  const list = pending.get(app) ?? [];
  list.push(once);
  pending.set(app, list);
  return once;
}

/**
 * Compiles every validator and serializer that was put off, as a first request to each route would.
 * Returns how many; a schema Ajv or fast-json-stringify cannot compile throws here.
 */
export function compileEverySchema(app: FastifyInstance): number {
  const list = pending.get(app) ?? [];
  for (const compile of list) compile();
  return list.length;
}

/**
 * A route's validator, compiled by Ajv at its first request rather than at start: compiling all of them
 * took ~0.8 s of every start. Fastify reads `errors` from the function it was given.
 */
function lazyValidator(app: FastifyInstance, compile: () => ValidateFunction): ValidateFunction {
  const compiled = putOff(app, compile);
  const validate = ((data: unknown) => {
    const check = compiled();
    const ok = check(data);
    validate.errors = check.errors;
    return ok;
  }) as ValidateFunction;
  return validate;
}

/** Where in `value` a string (or a key) holds U+0000, as `body.readings[3].metric`; undefined when nowhere. */
export function nulAt(value: unknown, root: string): string | undefined {
  // Iterative, so a deeply nested body cannot exhaust the stack.
  const pending: Array<[unknown, string]> = [[value, root]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (item.includes('\0')) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${path}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        if (key.includes('\0')) return `${path}.${key.replaceAll('\0', '\\u0000')}`;
        pending.push([inner, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

const nulCharacter = (field: string) =>
  invalid(
    `The request is not valid: ${field} holds a NUL character (\\u0000), which text may not`,
    { field },
    'NUL_CHARACTER',
  );

/**
 * PostgreSQL text cannot hold U+0000, so a NUL in a path parameter, the query string or a JSON
 * string (`%00`, `"\\u0000"`) would fail deep in a query as a 500. Every API request is checked once,
 * before any route-level hook (the farm lookup among them) or handler runs: 400 NUL_CHARACTER.
 */
function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!isApiPath(request.url)) return;
    const field = nulAt(request.params, 'params') ?? nulAt(request.query, 'querystring');
    if (field) throw nulCharacter(field);
  });
  app.addHook('preValidation', async (request) => {
    if (!isApiPath(request.url)) return;
    const field = nulAt(request.body, 'body');
    if (field) throw nulCharacter(field);
  });
}

/** A JSON object body that `{}` satisfies (no required field, no minimum count): a request may leave it out. */
export function bodyIsOptional(schema: unknown): boolean {
  const body = schema as { type?: unknown; required?: unknown[]; minProperties?: number } | undefined;
  return (
    body?.type === 'object' &&
    !(Array.isArray(body.required) && body.required.length > 0) &&
    !((body.minProperties ?? 0) > 0)
  );
}

/**
 * A route whose body has no required field takes a request without one — no body, no content type
 * (`curl -X POST …/emergency-stop`), or a JSON content type with nothing after it — as the empty
 * object `{}`, so handlers see the same body either way.
 */
function registerOptionalBodies(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if (text.length === 0) return done(null, undefined);
    return json(request, text as string, done);
  });
  const emptyBody = async (request: FastifyRequest) => {
    if (request.body === undefined) request.body = {};
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!bodyIsOptional((route.schema as { body?: unknown } | undefined)?.body)) return;
    const own = route.preValidation;
    route.preValidation = [emptyBody, ...(own === undefined ? [] : Array.isArray(own) ? own : [own])];
  });
}

let strict: Ajv | undefined;

/**
 * A validator for JSON arriving outside HTTP bodies (live socket messages, MQTT payloads), with the
 * same rules as bodies: no coercion. Returns the errors as `path message` strings, or none.
 */
export function jsonValidator<T>(
  schema: object,
): (value: unknown) => { ok: true; value: T } | { ok: false; errors: string[] } {
  strict ??= build({ coerceTypes: false });
  const check = strict.compile(schema);
  return (value) =>
    check(value)
      ? { ok: true, value: value as T }
      : {
          ok: false,
          errors: (check.errors ?? []).map((e) =>
            `${e.instancePath || '(message)'} ${e.message ?? 'is not valid'}`.trim(),
          ),
        };
}
