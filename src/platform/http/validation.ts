import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const COMMON: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

function build(options: Options): Ajv {
  const ajv = new Ajv({ ...COMMON, ...options });
  addFormats.default(ajv);
  return ajv;
}

/**
 * JSON bodies are validated as sent — `"5"` is not a number and `null` is not `""` — while the query
 * string, path and headers, which are text by nature, are coerced to the declared types.
 */
export function registerValidation(app: FastifyInstance): void {
  const body = build({ coerceTypes: false });
  const text = build({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
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
