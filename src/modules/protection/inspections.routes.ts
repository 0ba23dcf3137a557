import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  InspectionBody,
  InspectionCreatedView,
  InspectionPage,
  InspectionParams,
  InspectionsQuery,
  InspectionView,
} from './inspections.schemas.js';
import type { InspectionsService } from './inspections.service.js';
import { inspectionCreatedView, inspectionView } from './inspections.views.js';

const TAGS = { tags: ['protection'] };

/** Plant inspections: the pressure found on a plant, a run or a location, and the next inspection as a task. */
export const inspectionsRoutes: FastifyPluginAsyncTypebox<{ inspections: InspectionsService }> = async (
  app,
  { inspections },
) => {
  const base = '/api/v1/farms/:farm/plant-inspections';

  app.post(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Record an inspection of a plant (id or label), a run or a location (exactly one; another farm’s: 404) on a ' +
          'farm-local day (today when absent; a future day: 400): the pressure found (none … critical) and the ' +
          'catalogue’s pests and diseases seen (ids the farm does not see: 400). Answers the target’s next inspection, ' +
          'due after max(1, 7 × phase factor × pressure factor) days from its latest inspection (a run’s or a ' +
          'location’s phase: the most demanding among its growing plants), and keeps it in the task list (kind ' +
          'pest_check): the target’s earlier open inspection tasks are done. A client-made `id` makes a resend safe',
        params: FarmParams,
        body: InspectionBody,
        response: { 201: InspectionCreatedView, ...idempotentAnswers(InspectionCreatedView) },
      },
    },
    async (request, reply) => {
      const { inspection, created } = await inspections.create(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(inspectionCreatedView(inspection));
    },
  );

  app.get(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'The farm’s plant inspections, newest day first, optionally of one plant, run or location and between two days',
        params: FarmParams,
        querystring: InspectionsQuery,
        response: { 200: InspectionPage },
      },
    },
    async (request) => {
      const { items, nextCursor } = await inspections.list(farmOf(request), request.query);
      return { data: items.map(inspectionView), next_cursor: nextCursor };
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One plant inspection with the pests and diseases it found',
        params: InspectionParams,
        response: { 200: InspectionView },
      },
    },
    async (request) => inspectionView(await inspections.get(farmOf(request), request.params.id)),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'Delete an inspection recorded by mistake: the target’s open inspection task follows its latest remaining ' +
          'inspection (that day’s task opened again if an inspection had completed it; none when none is left)',
        params: InspectionParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await inspections.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );
};
