import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams, Nullable } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { DateTime, Uuid } from '../../platform/http/schemas.js';
import type { ExecutionRow, ScheduleRow } from './schedules.repository.js';
import type { SchedulesService } from './schedules.service.js';

const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, farm local time' });
const Window = Type.Object({ start: HHMM, end: HHMM }, { additionalProperties: false });
const Kind = Type.Union([Type.Literal('time'), Type.Literal('duration'), Type.Literal('condition')]);
const Action = Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('toggle'), Type.Literal('set_value')]);

/** The kind's settings, flat beside the common fields (as the contract has them). */
const SpecFields = {
  cron: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'time: a cron expression in the farm time zone (5 fields, or 6 with seconds)' })),
  start: Type.Optional(HHMM), end: Type.Optional(HHMM),
  on_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })), off_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
  repeat: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'duration: cycles per window (or in all); absent: forever' })),
  window: Type.Optional(Window),
  condition: Type.Optional(Type.Unknown({ description: '{"all"|"any"|"not":[…]} of {"device","metric","operator":">"|">="|"<"|"<=","value","for_s"?}' })),
  hysteresis: Type.Optional(Type.Number({ minimum: 0 })), min_hold_s: Type.Optional(Type.Integer({ minimum: 0 })),
  max_age_s: Type.Optional(Type.Integer({ minimum: 1, description: 'readings older than this count as unknown' })),
};
const SPEC_NAMES = Object.keys(SpecFields);

const CommonFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  device: Type.String({ minLength: 1, maxLength: 64, description: 'Device id or label' }),
  channel: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  kind: Kind, action: Action,
  value: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 255 }))),
  priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000, description: 'Higher wins a moment two schedules both want' })),
  enabled: Type.Optional(Type.Boolean()),
};

const ScheduleView = Type.Object({
  id: Uuid, name: Type.String(), device: Type.String(), channel: Nullable(Type.String()), kind: Kind, action: Action, value: Nullable(Type.Number()),
  priority: Type.Integer(), enabled: Type.Boolean(), ...SpecFields, next_fire_at: Nullable(DateTime),
  condition_state: Nullable(Type.Object({ active: Type.Boolean(), changed_at: Nullable(DateTime) })),
  consecutive_failures: Type.Integer(), success_rate: Nullable(Type.Number({ description: 'Share of finished executions in the last 30 days that worked' })),
  created_at: DateTime, updated_at: DateTime,
}, { additionalProperties: false });

type WithFacts = ScheduleRow & { device: string; success_rate: number | null };
const scheduleView = (s: WithFacts) => {
  const state = s.state as { active?: boolean; changed_at?: number | null };
  return {
    id: s.id, name: s.name, device: s.device, channel: s.channel, kind: s.kind, action: s.action, value: s.value, priority: s.priority, enabled: s.enabled,
    ...s.spec, next_fire_at: s.next_fire_at?.toISOString() ?? null,
    condition_state: s.kind === 'condition' ? { active: state.active ?? false, changed_at: state.changed_at ? new Date(state.changed_at).toISOString() : null } : null,
    consecutive_failures: s.consecutive_failures, success_rate: s.success_rate, created_at: s.created_at.toISOString(), updated_at: s.updated_at.toISOString(),
  };
};

const ExecutionView = Type.Object({
  id: Uuid, scheduled_at: DateTime, actual_at: DateTime, status: Type.String(), action: Type.String(), value: Nullable(Type.Number()),
  command_id: Nullable(Uuid), skipped_by: Nullable(Uuid), device_response: Type.Unknown(), error: Nullable(Type.String()), duration_ms: Nullable(Type.Integer()),
}, { additionalProperties: false });
const executionView = (e: ExecutionRow) => ({
  id: e.id, scheduled_at: e.scheduled_at.toISOString(), actual_at: e.actual_at.toISOString(), status: e.status, action: e.action, value: e.value,
  command_id: e.command_id, skipped_by: e.skipped_by, device_response: e.device_response ?? null, error: e.error, duration_ms: e.duration_ms,
});

const split = (body: Record<string, unknown>) => {
  const spec: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) (SPEC_NAMES.includes(k) ? spec : rest)[k] = v;
  return { spec, rest };
};

const TAGS = { tags: ['schedules'] };
const ScheduleParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const schedulesRoutes: FastifyPluginAsyncTypebox<{ schedules: SchedulesService }> = async (app, deps) => {
  const { schedules } = deps;

  app.post('/api/v1/farms/:farm/schedules', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Create a time, duration or condition schedule', params: FarmParams,
      body: Type.Object({ ...CommonFields, ...SpecFields }, { additionalProperties: false }), response: { 201: ScheduleView } },
  }, async (request, reply) => {
    const ctx = farmOf(request);
    const { spec, rest } = split(request.body);
    const row = await schedules.create(ctx, { ...(rest as unknown as Parameters<typeof schedules.create>[1]), spec }, metaOf(request));
    return reply.code(201).send(scheduleView(await schedules.get(ctx, row.id)));
  });

  app.get('/api/v1/farms/:farm/schedules', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The farm's schedules with their next firing and success rate", params: FarmParams,
      response: { 200: Type.Object({ data: Type.Array(ScheduleView) }) } },
  }, async (request) => ({ data: (await schedules.list(farmOf(request))).map(scheduleView) }));

  app.get('/api/v1/farms/:farm/schedules/:id', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'One schedule', params: ScheduleParams, response: { 200: ScheduleView } },
  }, async (request) => scheduleView(await schedules.get(farmOf(request), request.params.id)));

  app.patch('/api/v1/farms/:farm/schedules/:id', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Change a schedule (new timing settings replace the old ones)', params: ScheduleParams,
      body: Type.Object({ ...Type.Partial(Type.Object(CommonFields)).properties, ...SpecFields }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: ScheduleView } },
  }, async (request) => {
    const ctx = farmOf(request);
    const { spec, rest } = split(request.body);
    await schedules.update(ctx, request.params.id, { ...rest, spec }, metaOf(request));
    return scheduleView(await schedules.get(ctx, request.params.id));
  });

  app.delete('/api/v1/farms/:farm/schedules/:id', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Delete a schedule with its executions', params: ScheduleParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await schedules.remove(farmOf(request), request.params.id, metaOf(request));
    return reply.code(204).send(null);
  });

  app.get('/api/v1/farms/:farm/schedules/:id/preview', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Dry run: every firing in the coming days; those a higher-priority schedule takes are marked',
      params: ScheduleParams, querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, default: 7 })) }),
      response: { 200: Type.Object({ firings: Type.Array(Type.Object({ at: DateTime, action: Type.String(), value: Type.Optional(Type.Number()),
        skipped_by: Type.Optional(Type.Object({ id: Uuid, name: Type.String() })) })), note: Type.Optional(Nullable(Type.String())) }) } },
  }, async (request) => schedules.preview(farmOf(request), request.params.id, request.query.days ?? 7));

  app.get('/api/v1/farms/:farm/schedules/:id/executions', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'What each firing did, newest first', params: ScheduleParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Type.String({ format: 'date-time', description: 'next_cursor of the previous page' })) }),
      response: { 200: Type.Object({ data: Type.Array(ExecutionView), next_cursor: Nullable(Type.String()) }) } },
  }, async (request) => {
    const limit = request.query.limit ?? 50;
    const rows = await schedules.executions(farmOf(request), request.params.id, request.query.cursor ? new Date(request.query.cursor) : undefined, limit);
    return { data: rows.map(executionView), next_cursor: rows.length === limit ? rows[rows.length - 1]!.scheduled_at.toISOString() : null };
  });

  app.post('/api/v1/farms/:farm/schedules/:id/run-now', {
    schema: { ...TAGS, 'x-permission': 'records.write', summary: "Fire the schedule's action now", params: ScheduleParams, response: { 202: ExecutionView } },
  }, async (request, reply) => reply.code(202).send(executionView(await schedules.runNow(farmOf(request), request.params.id, metaOf(request)))));
};
