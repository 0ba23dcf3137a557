import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  NewWateringLogBody,
  NewWateringScheduleBody,
  RunParams,
  WateringLogPage,
  WateringLogQuery,
  WateringLogView,
  WateringScheduleList,
  WateringScheduleParams,
  WateringSchedulePatchBody,
  WateringScheduleView,
  WateringSuggestionView,
} from './watering.schemas.js';
import type { WateringService } from './watering.service.js';
import { wateringLogView, wateringScheduleView } from './watering.views.js';

const TAGS = { tags: ['crops'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const RECORD = { ...TAGS, 'x-permission': 'records.write' as const };

/** Watering schedules of planting runs, the waterings and feedings logged, and a volume to start from. */
export const wateringRoutes: FastifyPluginAsyncTypebox<{ watering: WateringService }> = async (app, { watering }) => {
  const ofRun = '/api/v1/farms/:farm/planting-runs/:id';
  const schedules = '/api/v1/farms/:farm/watering-schedules';

  app.get(
    `${ofRun}/watering-schedules`,
    {
      schema: {
        ...READ,
        summary: 'A planting run’s watering schedules (one per delivery channel)',
        params: RunParams,
        response: { 200: WateringScheduleList },
      },
    },
    async (request) => ({
      data: (await watering.list(farmOf(request), request.params.id)).map(wateringScheduleView),
    }),
  );

  app.post(
    `${ofRun}/watering-schedules`,
    {
      schema: {
        ...RECORD,
        summary:
          'Water a planting run on a schedule: on weekdays (0 = Sunday … 6 = Saturday) or every N days (1–90) after ' +
          'the last watering, at a preferred time, 1–6 times a day; the daily job makes one task per run, channel ' +
          'and day, and care’s watering reminders for its plants stop. A pump (device channel and seconds) gets a ' +
          'duration schedule of its own in the schedules module. One per run and channel (409)',
        params: RunParams,
        body: NewWateringScheduleBody,
        response: { 201: WateringScheduleView, ...idempotentAnswers(WateringScheduleView) },
      },
    },
    async (request, reply) => {
      const { schedule, created } = await watering.create(
        farmOf(request),
        request.params.id,
        request.body,
        metaOf(request),
      );
      return reply.code(idempotentStatus(created, 201)).send(wateringScheduleView(schedule));
    },
  );

  app.get(
    `${schedules}/:id`,
    {
      schema: {
        ...READ,
        summary: 'One watering schedule',
        params: WateringScheduleParams,
        response: { 200: WateringScheduleView },
      },
    },
    async (request) => wateringScheduleView(await watering.get(farmOf(request), request.params.id)),
  );

  app.patch(
    `${schedules}/:id`,
    {
      schema: {
        ...RECORD,
        summary:
          'Change a watering schedule; the pump schedule it made follows (pump: null removes it, a new pump makes one)',
        params: WateringScheduleParams,
        body: WateringSchedulePatchBody,
        response: { 200: WateringScheduleView },
      },
    },
    async (request) =>
      wateringScheduleView(await watering.update(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.delete(
    `${schedules}/:id`,
    {
      schema: {
        ...RECORD,
        summary: 'Delete a watering schedule and the pump schedule it made (a linked schedule stays)',
        params: WateringScheduleParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await watering.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/farms/:farm/watering-logs',
    {
      schema: {
        ...RECORD,
        summary:
          'Log a watering or feeding done (a feeding when something was mixed): volume, EC, pH, water ' +
          'temperature. With task_id that watering task of the run is completed; without, the run’s task on the ' +
          'channel and day. Every-N-days schedules count from these. A client-made `id` makes a resend store once',
        params: FarmParams,
        body: NewWateringLogBody,
        response: { 201: WateringLogView, ...idempotentAnswers(WateringLogView) },
      },
    },
    async (request, reply) => {
      const { log, created } = await watering.confirm(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(wateringLogView(log));
    },
  );

  app.get(
    `${ofRun}/watering-logs`,
    {
      schema: {
        ...READ,
        summary: 'A planting run’s waterings and feedings, newest first',
        params: RunParams,
        querystring: WateringLogQuery,
        response: { 200: WateringLogPage },
      },
    },
    async (request) => {
      const { rows, next_cursor } = await watering.logs(farmOf(request), request.params.id, {
        ...request.query,
        limit: request.query.limit ?? 50,
      });
      return { data: rows.map(wateringLogView), next_cursor };
    },
  );

  app.get(
    `${ofRun}/watering-suggestion`,
    {
      schema: {
        ...READ,
        summary:
          'A volume per watering to start from: the phase’s share of the container volume per plant (10 % ' +
          'seedling … 20 % flowering, 30 % flushing, else 15 %; 0.25 L without a known container) times the plants',
        params: RunParams,
        response: { 200: WateringSuggestionView },
      },
    },
    async (request) => watering.suggestion(farmOf(request), request.params.id),
  );
};
