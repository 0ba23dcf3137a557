import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf, farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  CompleteBody,
  NewTaskBody,
  SkipBody,
  SnoozeBody,
  TaskPage,
  TaskParams,
  TaskPatchBody,
  TasksQuerystring,
  TaskView,
  TodayView,
} from './tasks.schemas.js';
import type { TasksService } from './tasks.service.js';
import { taskPageView, taskView } from './tasks.views.js';

const TAGS = { tags: ['tasks'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const RECORD = { ...TAGS, 'x-permission': 'records.write' as const };
const base = '/api/v1/farms/:farm/tasks';

/** The farm's task list under `/api/v1/farms/{farm}/tasks`, and each person's `/api/v1/tasks/today`. */
export const tasksRoutes: FastifyPluginAsyncTypebox<{ tasks: TasksService }> = async (app, { tasks }) => {
  app.get(
    base,
    {
      schema: {
        ...READ,
        summary: 'The farm’s tasks by due time: due before a time, of an assignee (`me`, `none`), in a status',
        params: FarmParams,
        querystring: TasksQuerystring,
        response: { 200: TaskPage },
      },
    },
    async (request) => taskPageView(await tasks.list(farmOf(request), request.query), request.query.limit ?? 100),
  );

  app.post(
    base,
    {
      schema: {
        ...RECORD,
        summary: 'Add a task by hand (a client-made `id` makes a resend answer the same task)',
        params: FarmParams,
        body: NewTaskBody,
        response: { 201: TaskView, ...idempotentAnswers(TaskView) },
      },
    },
    async (request, reply) => {
      const { row, created } = await tasks.create(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(taskView(row));
    },
  );

  app.get(
    `${base}/:id`,
    { schema: { ...READ, summary: 'One task', params: TaskParams, response: { 200: TaskView } } },
    async (request) => taskView(await tasks.one(farmOf(request), request.params.id)),
  );

  app.patch(
    `${base}/:id`,
    {
      schema: {
        ...RECORD,
        summary: 'Change a task: title, kind, due time, assignee, notes, what it is about',
        params: TaskParams,
        body: TaskPatchBody,
        response: { 200: TaskView },
      },
    },
    async (request) => taskView(await tasks.update(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.post(
    `${base}/:id/complete`,
    {
      schema: {
        ...RECORD,
        summary:
          'Mark a task done with a client-made completion id: the same id and body again answer 200; ' +
          'another completion of a done task is 409 TASK_DONE; the same id with another body 409 IDEMPOTENCY_CONFLICT',
        params: TaskParams,
        body: CompleteBody,
        response: { 200: TaskView },
      },
    },
    async (request) =>
      taskView(await tasks.complete(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.post(
    `${base}/:id/skip`,
    {
      schema: {
        ...RECORD,
        summary: 'Skip an open task (409 TASK_DONE when it is done)',
        params: TaskParams,
        body: SkipBody,
        response: { 200: TaskView },
      },
    },
    async (request) => taskView(await tasks.skip(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.post(
    `${base}/:id/reopen`,
    {
      schema: {
        ...RECORD,
        summary: 'Open a done or skipped task again (its completion is cleared)',
        params: TaskParams,
        response: { 200: TaskView },
      },
    },
    async (request) => taskView(await tasks.reopen(farmOf(request), request.params.id, metaOf(request))),
  );

  app.post(
    `${base}/:id/snooze`,
    {
      schema: {
        ...RECORD,
        summary:
          'Move an open task’s due time: `{"days": n}` (n ≥ 1, from the later of its due time and now) or `{"until": …}` in the future',
        params: TaskParams,
        body: SnoozeBody,
        response: { 200: TaskView },
      },
    },
    async (request) => taskView(await tasks.snooze(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.get(
    '/api/v1/tasks/today',
    {
      schema: {
        ...TAGS,
        summary:
          'My tasks for today in each of my farms (its local day): open ones due before the day ends, overdue ones ' +
          'included — assigned to me, and unassigned ones where I am a worker or above',
        response: { 200: TodayView },
      },
    },
    async (request) => ({
      data: (await tasks.today(callerOf(request))).map((f) => ({ ...f, tasks: f.tasks.map(taskView) })),
    }),
  );
};
