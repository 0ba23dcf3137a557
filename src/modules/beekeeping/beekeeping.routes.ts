import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  ApiaryView,
  EventView,
  HiveParams,
  HivePatchBody,
  HivesQuerystring,
  HiveTelemetryQuerystring,
  HiveTelemetryView,
  HiveView,
  InsightsPatchBody,
  InsightsView,
  NewEventBody,
  NewHiveBody,
  NewQueenBody,
  QueenParams,
  QueenView,
  ScaleView,
  WeightDaysQuerystring,
  WeightDayView,
} from './beekeeping.schemas.js';
import { apiaryView, eventView, hiveTelemetryView, hiveView, queenView, scaleView } from './beekeeping.views.js';
import type { BeekeepingService } from './beekeeping.service.js';

const TAGS = { tags: ['beekeeping'] };

export const beekeepingRoutes: FastifyPluginAsyncTypebox<{ beekeeping: BeekeepingService }> = async (app, deps) => {
  const bees = deps.beekeeping;

  app.get(
    '/api/v1/farms/:farm/apiaries',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Apiaries (locations of type apiary) with hive counts and the latest hive readings',
        params: FarmParams,
        response: { 200: Type.Object({ data: Type.Array(ApiaryView) }) },
      },
    },
    async (request) => ({ data: (await bees.apiaries(farmOf(request))).map(apiaryView) }),
  );

  app.post(
    '/api/v1/farms/:farm/hives',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Add a hive to an apiary (device_id: the label of the scale under it)',
        params: FarmParams,
        body: NewHiveBody,
        response: { 201: HiveView },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      const hive = await bees.createHive(ctx, request.body, metaOf(request));
      return reply.code(201).send(hiveView(await bees.hive(ctx, hive.id)));
    },
  );

  app.get(
    '/api/v1/farms/:farm/hives',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Hives, with their queen and last inspection',
        params: FarmParams,
        querystring: HivesQuerystring,
        response: { 200: Type.Object({ data: Type.Array(HiveView) }) },
      },
    },
    async (request) => ({ data: (await bees.hives(farmOf(request), request.query.apiary)).map(hiveView) }),
  );

  app.get(
    '/api/v1/farms/:farm/hives/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One hive',
        params: HiveParams,
        response: { 200: HiveView },
      },
    },
    async (request) => hiveView(await bees.hive(farmOf(request), request.params.id)),
  );

  app.patch(
    '/api/v1/farms/:farm/hives/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Change a hive (a new apiary is recorded as a move; a new scale in its history)',
        params: HiveParams,
        body: HivePatchBody,
        response: { 200: HiveView },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      await bees.updateHive(ctx, request.params.id, request.body, metaOf(request));
      return hiveView(await bees.hive(ctx, request.params.id));
    },
  );

  app.delete(
    '/api/v1/farms/:farm/hives/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Delete a hive (its scale’s telemetry is kept)',
        params: HiveParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await bees.removeHive(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/hives/:id/scales',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Which scale sat under the hive when',
        params: HiveParams,
        response: { 200: Type.Object({ data: Type.Array(ScaleView) }) },
      },
    },
    async (request) => ({ data: (await bees.scales(farmOf(request), request.params.id)).map(scaleView) }),
  );

  app.post(
    '/api/v1/farms/:farm/hives/:id/queens',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary: 'Introduce a queen: the current one is retired (marking colour defaults from the birth year)',
        params: HiveParams,
        body: NewQueenBody,
        response: { 201: QueenView },
      },
    },
    async (request, reply) => {
      const queen = await bees.addQueen(farmOf(request), request.params.id, request.body, metaOf(request));
      return reply.code(201).send(queenView(queen));
    },
  );

  app.get(
    '/api/v1/farms/:farm/hives/:id/queens',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The hive's queens, newest first",
        params: HiveParams,
        response: { 200: Type.Object({ data: Type.Array(QueenView) }) },
      },
    },
    async (request) => ({ data: (await bees.queens(farmOf(request), request.params.id)).map(queenView) }),
  );

  app.delete(
    '/api/v1/farms/:farm/hives/:id/queens/:queen',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Delete a queen (the current one: the hive then has none)',
        params: QueenParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await bees.removeQueen(farmOf(request), request.params.id, request.params.queen, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  const targets = [
    ['hives', (id: string) => ({ hive_id: id })],
    ['apiaries', (id: string) => ({ apiary_id: id })],
  ] as const;
  for (const [kind, target] of targets) {
    app.post(
      `/api/v1/farms/:farm/${kind}/:id/events`,
      {
        schema: {
          ...TAGS,
          'x-permission': 'records.write',
          summary:
            `Record an event on ${kind === 'hives' ? 'a hive' : 'an apiary'} ` +
            '(inspection, feeding, treatment, harvest …)',
          params: HiveParams,
          body: NewEventBody,
          response: { 201: EventView, ...idempotentAnswers(EventView) },
        },
      },
      async (request, reply) => {
        const { event, created } = await bees.addEvent(farmOf(request), target(request.params.id), request.body);
        return reply.code(idempotentStatus(created, 201)).send(eventView(event));
      },
    );
    app.get(
      `/api/v1/farms/:farm/${kind}/:id/events`,
      {
        schema: {
          ...TAGS,
          'x-permission': 'farm.read',
          summary: 'Events, newest first',
          params: HiveParams,
          response: { 200: Type.Object({ data: Type.Array(EventView) }) },
        },
      },
      async (request) => ({ data: (await bees.events(farmOf(request), target(request.params.id))).map(eventView) }),
    );
  }

  app.get(
    '/api/v1/farms/:farm/apiaries/:id/insights',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The apiary's insights switched on",
        params: HiveParams,
        response: { 200: InsightsView },
      },
    },
    async (request) => bees.insights(farmOf(request), request.params.id),
  );

  app.put(
    '/api/v1/farms/:farm/apiaries/:id/insights',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'Switch insights on or off: swarm suspected, brood-nest temperature outside 33–36 °C for an hour in season, hive silent, daily weight loss',
        params: HiveParams,
        body: InsightsPatchBody,
        response: { 200: InsightsView },
      },
    },
    async (request) => bees.setInsights(farmOf(request), request.params.id, request.body, metaOf(request)),
  );

  app.get(
    '/api/v1/farms/:farm/hives/:id/weight-days',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "Each local day's weight and its gain or loss",
        params: HiveParams,
        querystring: WeightDaysQuerystring,
        response: { 200: Type.Object({ data: Type.Array(WeightDayView) }) },
      },
    },
    async (request) => ({
      data: await bees.weightDays(farmOf(request), request.params.id, request.query.days ?? 30),
    }),
  );

  app.get(
    '/api/v1/farms/:farm/hives/:id/telemetry',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The hive scale's readings: raw, or hourly with BeeAPI's fields",
        params: HiveParams,
        querystring: HiveTelemetryQuerystring,
        response: { 200: HiveTelemetryView },
      },
    },
    async (request) => hiveTelemetryView(await bees.telemetry(farmOf(request), request.params.id, request.query)),
  );
};
