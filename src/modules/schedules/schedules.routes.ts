import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import {
  ExecutionPage,
  ExecutionsQuerystring,
  ExecutionView,
  NewScheduleBody,
  PreviewQuerystring,
  PreviewView,
  ScheduleParams,
  SchedulePatchBody,
  ScheduleView,
} from './schedules.schemas.js';
import { executionPageView, executionView, scheduleView } from './schedules.views.js';
import type { SchedulesService } from './schedules.service.js';

const TAGS = { tags: ['schedules'] };

export const schedulesRoutes: FastifyPluginAsyncTypebox<{ schedules: SchedulesService }> = async (app, deps) => {
  const { schedules } = deps;

  app.post(
    '/api/v1/farms/:farm/schedules',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Create a time, duration or condition schedule',
        params: FarmParams,
        body: NewScheduleBody,
        response: { 201: ScheduleView },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      const row = await schedules.create(ctx, request.body, metaOf(request));
      return reply.code(201).send(scheduleView(await schedules.get(ctx, row.id)));
    },
  );

  app.get(
    '/api/v1/farms/:farm/schedules',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The farm's schedules with their next firing and success rate",
        params: FarmParams,
        response: { 200: Type.Object({ data: Type.Array(ScheduleView) }) },
      },
    },
    async (request) => ({ data: (await schedules.list(farmOf(request))).map(scheduleView) }),
  );

  app.get(
    '/api/v1/farms/:farm/schedules/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One schedule',
        params: ScheduleParams,
        response: { 200: ScheduleView },
      },
    },
    async (request) => scheduleView(await schedules.get(farmOf(request), request.params.id)),
  );

  app.patch(
    '/api/v1/farms/:farm/schedules/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          "Change a schedule (new timing settings replace the old ones; a window's start, end or hours alone keep the rest of it)",
        params: ScheduleParams,
        body: SchedulePatchBody,
        response: { 200: ScheduleView },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      await schedules.update(ctx, request.params.id, request.body, metaOf(request));
      return scheduleView(await schedules.get(ctx, request.params.id));
    },
  );

  app.delete(
    '/api/v1/farms/:farm/schedules/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Delete a schedule with its executions',
        params: ScheduleParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await schedules.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/schedules/:id/preview',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Dry run: every firing in the coming days; those a higher-priority schedule takes are marked',
        params: ScheduleParams,
        querystring: PreviewQuerystring,
        response: { 200: PreviewView },
      },
    },
    async (request) => schedules.preview(farmOf(request), request.params.id, request.query.days ?? 7),
  );

  app.get(
    '/api/v1/farms/:farm/schedules/:id/executions',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'What each firing did, newest first',
        params: ScheduleParams,
        querystring: ExecutionsQuerystring,
        response: { 200: ExecutionPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await schedules.executions(farmOf(request), request.params.id, { ...request.query, limit });
      return executionPageView(rows, limit);
    },
  );

  app.post(
    '/api/v1/farms/:farm/schedules/:id/run-now',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary: "Fire the schedule's action now",
        params: ScheduleParams,
        response: { 202: ExecutionView },
      },
    },
    async (request, reply) => {
      const execution = await schedules.runNow(farmOf(request), request.params.id, metaOf(request));
      return reply.code(202).send(executionView(execution));
    },
  );
};
