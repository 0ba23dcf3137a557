import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { ApiKeyList, ApiKeyParams, CreatedApiKeyView, NewApiKeyBody } from './identity.schemas.js';
import { apiKeyView } from './identity.views.js';
import type { ApiKeysService } from './api-keys.service.js';

const TAGS = { tags: ['api-keys'] };

export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeysService }> = async (app, deps) => {
  const { apiKeys } = deps;

  app.get(
    '/api/v1/farms/:farm/api-keys',
    {
      schema: {
        ...TAGS,
        'x-permission': 'api_keys.manage',
        summary: "The farm's API keys (never the keys themselves)",
        params: FarmParams,
        response: { 200: ApiKeyList },
      },
    },
    async (request) => ({ data: (await apiKeys.list(farmOf(request))).map(apiKeyView) }),
  );

  app.post(
    '/api/v1/farms/:farm/api-keys',
    {
      schema: {
        ...TAGS,
        'x-permission': 'api_keys.manage',
        summary:
          'Create an API key for a script, gateway or integration; send it as "Authorization: Bearer <key>". Shown once.',
        params: FarmParams,
        body: NewApiKeyBody,
        response: { 201: CreatedApiKeyView },
      },
    },
    async (request, reply) => {
      const { row, key } = await apiKeys.create(farmOf(request), request.body, metaOf(request));
      return reply.code(201).send({ ...apiKeyView(row), key });
    },
  );

  app.delete(
    '/api/v1/farms/:farm/api-keys/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'api_keys.manage',
        summary: 'Revoke an API key: it stops working at once',
        params: ApiKeyParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );
};
