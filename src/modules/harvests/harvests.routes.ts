import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  HarvestBody,
  HarvestPage,
  HarvestParams,
  HarvestsQuery,
  HarvestView,
  QualityBody,
  QualityView,
  RunYieldParams,
  RunYieldView,
} from './harvests.schemas.js';
import type { HarvestsService } from './harvests.service.js';
import { harvestView, qualityView, runYieldView } from './harvests.views.js';

const TAGS = { tags: ['harvests'] };

/** Harvest batches, their quality assessments and a run's yield. */
export const harvestsRoutes: FastifyPluginAsyncTypebox<{ harvests: HarvestsService }> = async (app, { harvests }) => {
  const base = '/api/v1/farms/:farm/harvests';

  app.post(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Record a harvest batch from a plant (id or label) or a run as a whole (exactly one; another farm’s: 404), ' +
          'on a farm-local day (a future day: 400), with a weight in grams and/or a count. A batch of an active run ' +
          '(or of a plant of it) moves the run to harvesting. A client-made `id` makes a resend safe',
        params: FarmParams,
        body: HarvestBody,
        response: { 201: HarvestView, ...idempotentAnswers(HarvestView) },
      },
    },
    async (request, reply) => {
      const { harvest, created } = await harvests.create(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(harvestView(harvest));
    },
  );

  app.get(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'The farm’s harvest batches, newest day first, each with its latest quality assessment',
        params: FarmParams,
        querystring: HarvestsQuery,
        response: { 200: HarvestPage },
      },
    },
    async (request) => {
      const { items, nextCursor } = await harvests.list(farmOf(request), request.query);
      return { data: items.map(harvestView), next_cursor: nextCursor };
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One harvest batch with its latest quality assessment',
        params: HarvestParams,
        response: { 200: HarvestView },
      },
    },
    async (request) => harvestView(await harvests.get(farmOf(request), request.params.id)),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Delete a batch recorded by mistake, with its assessments (the run’s status stays)',
        params: HarvestParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await harvests.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:id/quality`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Assess a batch’s quality: appearance, aroma and colour 0–100 and the defects found give score = ' +
          '0.30·appearance + 0.25·aroma + 0.20·colour + 25 − defect penalties (0–100) and grade A+ ≥ 90, A ≥ 75, ' +
          'B ≥ 55, C ≥ 35, else D. The batch shows its latest assessment. A client-made `id` makes a resend safe',
        params: HarvestParams,
        body: QualityBody,
        response: { 201: QualityView, ...idempotentAnswers(QualityView) },
      },
    },
    async (request, reply) => {
      const { quality, created } = await harvests.assess(
        farmOf(request),
        request.params.id,
        request.body,
        metaOf(request),
      );
      return reply.code(idempotentStatus(created, 201)).send(qualityView(quality));
    },
  );

  app.get(
    '/api/v1/farms/:farm/planting-runs/:run/yield',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'A run’s yield over all its batches (its own and its plants’): total weight and count, per plant of the ' +
          'run (removed plants included) and per m² of the run’s location (its polygon’s area; null when unknown)',
        params: RunYieldParams,
        response: { 200: RunYieldView },
      },
    },
    async (request) => runYieldView(await harvests.runYield(farmOf(request), request.params.run)),
  );
};
