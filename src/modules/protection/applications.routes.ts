import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  ApplicationBody,
  ApplicationPage,
  ApplicationParams,
  ApplicationsQuery,
  ApplicationView,
  GateQuery,
  GateView,
} from './applications.schemas.js';
import type { ApplicationsService } from './applications.service.js';
import { applicationView, gateView } from './applications.views.js';

const TAGS = { tags: ['protection'] };

/** Treatment applications and the pre-harvest interval gate. */
export const applicationsRoutes: FastifyPluginAsyncTypebox<{ applications: ApplicationsService }> = async (
  app,
  { applications },
) => {
  const base = '/api/v1/farms/:farm/treatment-applications';

  app.post(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Record a treatment applied on one plant (id or label), a run as a whole or a location (exactly one; ' +
          'another farm’s: 404) on a farm-local day (a future day: 400). A treatment with a pre-harvest interval ' +
          'needs the farm to have confirmed it (422 INTERVAL_NOT_CONFIRMED); a retired one is refused (422 ' +
          'TREATMENT_RETIRED). Resistance rule: counted by mode-of-action group (the active ingredient when no group ' +
          'is known) over the applications reaching each plant — on it, its run, its place and the places above — ' +
          'within 90 days: the 3rd use is recorded with a warning, the 4th refused (422 RESISTANCE_LIMIT). The plants ' +
          'it reached are kept as they stood that day. One dated before harvests already recorded inside its ' +
          'interval is recorded with the warning HARVEST_INSIDE_INTERVAL. A client-made `id` makes a resend safe',
        params: FarmParams,
        body: ApplicationBody,
        response: { 201: ApplicationView, ...idempotentAnswers(ApplicationView) },
      },
    },
    async (request, reply) => {
      const { row, created, harvestsInside } = await applications.create(
        farmOf(request),
        request.body,
        metaOf(request),
      );
      return reply.code(idempotentStatus(created, 201)).send(applicationView(row, harvestsInside));
    },
  );

  app.get(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'The farm’s treatment applications, newest day first',
        params: FarmParams,
        querystring: ApplicationsQuery,
        response: { 200: ApplicationPage },
      },
    },
    async (request) => {
      const { items, nextCursor } = await applications.list(farmOf(request), request.query);
      return { data: items.map((row) => applicationView(row)), next_cursor: nextCursor };
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One treatment application',
        params: ApplicationParams,
        response: { 200: ApplicationView },
      },
    },
    async (request) => applicationView(await applications.get(farmOf(request), request.params.id)),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'Delete an application recorded by mistake: it no longer blocks a harvest nor counts as a use (audited)',
        params: ApplicationParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await applications.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/pre-harvest-check',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'Whether a harvest of a plant or a run on a day (default today) would pass the pre-harvest interval gate, ' +
          'and if not every blocking active ingredient with its safe date — what POST …/harvests would refuse with ' +
          '422 KARENZ_VIOLATION',
        params: FarmParams,
        querystring: GateQuery,
        response: { 200: GateView },
      },
    },
    async (request) => gateView(await applications.gate(farmOf(request), request.query)),
  );
};
