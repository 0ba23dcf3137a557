import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Type } from 'typebox';

const ERROR_REF = { $ref: 'ErrorResponse#' };

/**
 * Every API route must declare what it answers: a route without a success response schema fails at
 * start-up, not in a client. Error responses share the one error schema, added here to every route.
 */
export function requireResponseSchemas(route: RouteOptions): void {
  const schema = route.schema as
    (Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> }) | undefined;
  if (!route.url.startsWith('/api/') || schema?.hide) return;
  const response = schema?.response;
  const hasSuccess = response && Object.keys(response).some((status) => /^(2\d\d|2xx|default)$/.test(status));
  if (!hasSuccess) {
    throw new Error(`Route ${String(route.method)} ${route.url} declares no success response schema`);
  }
  response['4xx'] ??= ERROR_REF;
  response['5xx'] ??= ERROR_REF;
}

/** OpenAPI 3.1 at /api/v1/openapi.json and interactive docs at /api/v1/docs. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Croft API',
        version,
        description:
          'Croft, the open farm-operations platform. Errors share one shape (ErrorResponse); lists page with ' +
          '`limit` and `cursor`; times are ISO-8601 with an offset.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
    refResolver: {
      // Shared schemas keep their own names in components.schemas.
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs', uiConfig: { deepLinking: true } });
  app.get(
    '/api/v1/openapi.json',
    {
      schema: { hide: true, response: { 200: Type.Object({}, { additionalProperties: true }) } },
    },
    async () => app.swagger(),
  );
}
