import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams, Nullable } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { DateTime, OneOf, Uuid } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import { commandView } from './commands.service.js';
import type { EmergencyStopRow } from './commands.repository.js';
import { DeviceParams, onlyItself } from './devices.routes.js';
import { COMMAND_ACTIONS } from './devices.tables.js';
import type { CommandsService } from './commands.service.js';
import type { DevicesService } from './devices.service.js';

const Status = Type.Union([Type.Literal('queued'), Type.Literal('sent'), Type.Literal('executing'), Type.Literal('completed'),
  Type.Literal('failed'), Type.Literal('timeout'), Type.Literal('expired'), Type.Literal('cancelled')]);
const Priority = Type.Union([Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')]);

const CommandFields = {
  action: OneOf(COMMAND_ACTIONS, { description: 'set_value 0–255, set_angle 0–180, set_speed 0–100' }),
  value: Type.Optional(Type.Number()),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  duration_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000, description: 'The device reverts after this long' })),
  priority: Type.Optional(Priority),
  ttl_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400, description: 'How long it may wait for an offline device (default CROFT_COMMAND_TTL_S)' })),
};

const CommandView = Type.Object({
  id: Uuid, device: Type.String(), channel: Nullable(Type.String()), action: Type.String(), value: Nullable(Type.Number()),
  duration_ms: Nullable(Type.Integer()), priority: Type.String(), status: Status,
  source: Type.String(), idempotency_key: Nullable(Type.String()), batch_id: Nullable(Uuid), error: Nullable(Type.String()),
  new_state: Type.Unknown(), deliveries: Type.Integer(), queued_at: DateTime, sent_at: Nullable(DateTime), executing_at: Nullable(DateTime),
  finished_at: Nullable(DateTime), expires_at: DateTime,
}, { additionalProperties: false });

const StopView = Type.Object({ id: Uuid, reason: Nullable(Type.String()), started_at: DateTime, released_at: Nullable(DateTime) }, { additionalProperties: false });
const stopView = (s: EmergencyStopRow) => ({ id: s.id, reason: s.reason, started_at: s.started_at.toISOString(), released_at: s.released_at?.toISOString() ?? null });

const TAGS = { tags: ['commands'] };
const CommandParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const commandsRoutes: FastifyPluginAsyncTypebox<{ commands: CommandsService; devices: DevicesService }> = async (app, deps) => {
  const { commands } = deps;

  app.post('/api/v1/farms/:farm/devices/:device/commands', {
    schema: { ...TAGS, 'x-permission': 'records.write',
      summary: 'Queue a command (202): it goes to the device over MQTT when it is online, until it expires. A repeated idempotency key answers the first command.',
      params: DeviceParams,
      body: Type.Object({ ...CommandFields, idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false }),
      response: { 202: CommandView, ...idempotentAnswers(CommandView) } },
  }, async (request, reply) => {
    const { command, created } = await commands.create(farmOf(request), request.params.device, request.body,
      metaOf(request));
    return reply.code(idempotentStatus(created, 202)).send(commandView(command));
  });

  app.post('/api/v1/farms/:farm/commands/batch', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'One command to many devices (all checked first: none is queued unless all can take it)',
      params: FarmParams,
      body: Type.Object({ ...CommandFields, devices: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 }) },
        { additionalProperties: false }),
      response: { 202: Type.Object({ batch_id: Uuid, commands: Type.Array(CommandView) }) } },
  }, async (request, reply) => {
    const { devices, ...input } = request.body;
    const result = await commands.batch(farmOf(request), devices, input, metaOf(request));
    return reply.code(202).send({ batch_id: result.batch_id, commands: result.commands.map(commandView) });
  });

  app.get('/api/v1/farms/:farm/commands', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Commands, newest first', params: FarmParams,
      querystring: Type.Object({ device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        status: Type.Optional(Status),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Type.String({ format: 'date-time', description: 'next_cursor of the previous page' })) }),
      response: { 200: Type.Object({ data: Type.Array(CommandView), next_cursor: Nullable(Type.String()) }) } },
  }, async (request) => {
    const q = request.query;
    const page = await commands.list(farmOf(request), { device: q.device, status: q.status, before: q.cursor ? new Date(q.cursor) : undefined }, q.limit ?? 50);
    return { data: page.data.map(commandView), next_cursor: page.next?.toISOString() ?? null };
  });

  app.get('/api/v1/farms/:farm/commands/:id', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'A command with its status and the time of each step', params: CommandParams,
      response: { 200: CommandView } },
  }, async (request) => commandView(await commands.get(farmOf(request), request.params.id)));

  app.delete('/api/v1/farms/:farm/commands/:id', {
    schema: { ...TAGS, 'x-permission': 'records.write', summary: 'Cancel a command still queued (409 once sent)', params: CommandParams,
      response: { 200: CommandView } },
  }, async (request) => commandView(await commands.cancel(farmOf(request), request.params.id, metaOf(request))));

  app.post('/api/v1/farms/:farm/devices/:device/commands/ack', {
    schema: { ...TAGS, 'x-permission': 'records.write', 'x-devices': true,
      summary: 'A device (or gateway) reports on a command over HTTP; MQTT devices use croft/{farm}/{device}/commands/ack', params: DeviceParams,
      body: Type.Object({ command_id: Uuid, status: Type.Union([Type.Literal('executing'), Type.Literal('completed'), Type.Literal('failed')]),
        new_state: Type.Optional(Type.Unknown()), error: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    onlyItself(request, request.params.device);
    const ctx = farmOf(request);
    const device = await deps.devices.get(ctx, request.params.device);
    await commands.acknowledge(ctx.farmId, device.device_id, request.body);
    return reply.code(204).send(null);
  });

  app.get('/api/v1/farms/:farm/emergency-stop', {
    schema: { tags: ['commands'], 'x-permission': 'farm.read', summary: 'Whether an emergency stop holds the farm', params: FarmParams,
      response: { 200: Type.Object({ holding: Type.Boolean(), stop: Nullable(StopView) }) } },
  }, async (request) => {
    const stop = await commands.holding(farmOf(request).farmId);
    return { holding: stop !== undefined, stop: stop ? stopView(stop) : null };
  });

  app.post('/api/v1/farms/:farm/emergency-stop', {
    schema: { tags: ['commands'], 'x-permission': 'config.write',
      summary: "Emergency stop: cancels everything queued, sends every channel to its safe state ahead of anything else, suspends schedules; holds until released",
      params: FarmParams, body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
      response: { 200: Type.Object({ stop: StopView, cancelled: Type.Integer(), commands: Type.Array(CommandView) }) } },
  }, async (request) => {
    const result = await commands.emergencyStop(farmOf(request), request.body?.reason, metaOf(request));
    return { stop: stopView(result.stop), cancelled: result.cancelled, commands: result.commands.map(commandView) };
  });

  app.post('/api/v1/farms/:farm/emergency-stop/release', {
    schema: { tags: ['commands'], 'x-permission': 'config.write', summary: 'Release the emergency stop', params: FarmParams,
      response: { 200: StopView } },
  }, async (request) => stopView(await commands.releaseEmergencyStop(farmOf(request), metaOf(request))));
};
