import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import { CarePatchBody, CareView, ConfirmBody, ConfirmationView, PlantParams } from './care.schemas.js';
import type { CareService } from './care.service.js';
import { careView, confirmationView } from './care.views.js';

const TAGS = { tags: ['crops'] };

/** A plant's care profile, its reminders, and care actions confirmed. */
export const careRoutes: FastifyPluginAsyncTypebox<{ care: CareService }> = async (app, { care }) => {
  const base = '/api/v1/farms/:farm/plants/:plant/care';

  app.get(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'A plant’s care: its profile (or the one it would start with), the intervals in force today and ' +
          'when each reminder is next due',
        params: PlantParams,
        response: { 200: CareView },
      },
    },
    async (request) => careView(await care.care(farmOf(request), request.params.plant)),
  );

  app.patch(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Set a plant’s care profile (care starts when it has none): preset, intervals (1–90 days), winter ' +
          'factor (> 0), checks; a new watering base starts learning again',
        params: PlantParams,
        body: CarePatchBody,
        response: { 200: CareView },
      },
    },
    async (request) =>
      careView(await care.update(farmOf(request), request.params.plant, request.body, metaOf(request))),
  );

  app.post(
    `${base}/confirm`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Confirm a care action done (watered, repotted …; `at` defaults to now, never later): the next ' +
          'reminder counts from it, a watering teaches the interval. A client-made `id` makes a resend safe',
        params: PlantParams,
        body: ConfirmBody,
        response: { 201: ConfirmationView, ...idempotentAnswers(ConfirmationView) },
      },
    },
    async (request, reply) => {
      const {
        confirmation,
        created,
        care: state,
      } = await care.confirm(farmOf(request), request.params.plant, request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(confirmationView(confirmation, state));
    },
  );
};
