import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { putOff } from './validation.js';

type Factory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildSerializer'];

/**
 * Fastify's own response serializers (fast-json-stringify, with the shared schemas), each compiled at its
 * route's first answer rather than at start: compiling all of them took ~0.5 s of every start. The
 * output is the same; `compileEverySchema` compiles them all at once for the tests.
 */
export function lazySerializers(app: () => FastifyInstance): Factory {
  const eager = SerializerSelector();
  return (externalSchemas, serializerOptions) => {
    const compile = eager(externalSchemas as never, serializerOptions as never);
    return (route) => {
      const compiled = putOff(app(), () => compile(route as never) as (data: unknown) => string);
      return (data: unknown) => compiled()(data);
    };
  };
}
