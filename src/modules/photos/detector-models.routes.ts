import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import type { DetectorModelsService } from './detector-models.service.js';
import { DetectorModelList, DetectorModelParams, DetectorModelQuery, DetectorModelView } from './photos.schemas.js';
import { detectorModelView } from './photos.views.js';

const TAGS = { tags: ['photos'] };
const MANAGE = { ...TAGS, 'x-permission': 'detector_models.manage' as const };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };

/**
 * A farm's own detection models (ONNX, counting/ONNX.md): upload under a client-made id (the raw body, as photos
 * are), list, read, delete, and choose the one the farm's photos are counted with. Registered inside the photos
 * routes, whose content-type parsers take the raw body.
 */
export const detectorModelsRoutes: FastifyPluginAsyncTypebox<{
  config: Config;
  detectorModels: DetectorModelsService;
}> = async (app, { config, detectorModels }) => {
  const base = '/api/v1/farms/:farm/detector-models';
  const maxMb = Math.round(config.detectorModelMaxBytes / (1024 * 1024));

  app.put(
    `${base}/:id`,
    {
      // Refused at once when Content-Length says more; reading stops when the body grows past it (413).
      bodyLimit: config.detectorModelMaxBytes,
      schema: {
        ...MANAGE,
        summary:
          'Upload the farm’s own detection model (farm admins): the .onnx file itself as the body ' +
          `(application/octet-stream), under an id the client made, up to ${maxMb} MB (CROFT_DETECTOR_MODEL_MAX_MB; ` +
          '413 beyond). Not ONNX, judged by the bytes → 415; a model breaking the detector contract (input float32 ' +
          '[1,3,H,W] RGB 0–1, output float32 [N,6] x1, y1, x2, y2, score, class in input pixels) → 422 ' +
          'ONNX_MODEL_CONTRACT naming what does not fit, and nothing is stored. The same id with the same bytes ' +
          'and settings answers 200 with the first upload; anything else under it 409 IDEMPOTENCY_CONFLICT. A new ' +
          'model is not active: PUT …/{id}/active chooses it',
        params: DetectorModelParams,
        querystring: DetectorModelQuery,
        response: {
          201: DetectorModelView,
          ...idempotentAnswers(DetectorModelView),
          413: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'PAYLOAD_TOO_LARGE: over the size cap' }),
          415: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'UNSUPPORTED_MEDIA_TYPE: not an ONNX model' }),
          422: Type.Unsafe({
            $ref: 'ErrorResponse#',
            description: 'ONNX_MODEL_CONTRACT: the model does not follow the detector contract',
          }),
        },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const made = await detectorModels.upload(
        farmOf(request),
        request.params.id,
        body,
        request.query,
        metaOf(request),
      );
      return reply.code(idempotentStatus(made.created, 201)).send(detectorModelView(made.model));
    },
  );

  app.get(
    base,
    {
      schema: {
        ...READ,
        summary: 'The farm’s detection models, newest first; `active` marks the one its photos are counted with',
        params: FarmParams,
        response: { 200: DetectorModelList },
      },
    },
    async (request) => ({ data: (await detectorModels.list(farmOf(request))).map(detectorModelView) }),
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...READ,
        summary: 'One detection model: its settings, size, SHA-256 and whether it is active',
        params: DetectorModelParams,
        response: { 200: DetectorModelView },
      },
    },
    async (request) => detectorModelView(await detectorModels.get(farmOf(request), request.params.id)),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...MANAGE,
        summary:
          'Delete a detection model and its file (farm admins). Deleting the active one returns the farm to the ' +
          'classical detector; sessions it counted keep their counts',
        params: DetectorModelParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await detectorModels.delete(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    `${base}/:id/active`,
    {
      schema: {
        ...MANAGE,
        summary: 'Count the farm’s photos with this model from now on (farm admins), in place of the one chosen before',
        params: DetectorModelParams,
        response: { 200: DetectorModelView },
      },
    },
    async (request) =>
      detectorModelView(await detectorModels.setActive(farmOf(request), request.params.id, true, metaOf(request))),
  );

  app.delete(
    `${base}/:id/active`,
    {
      schema: {
        ...MANAGE,
        summary:
          'Stop counting with this model (farm admins): the farm’s photos are counted with the classical detector',
        params: DetectorModelParams,
        response: { 200: DetectorModelView },
      },
    },
    async (request) =>
      detectorModelView(await detectorModels.setActive(farmOf(request), request.params.id, false, metaOf(request))),
  );
};
