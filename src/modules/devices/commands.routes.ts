import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  BatchView,
  CommandAckBody,
  CommandBatchBody,
  CommandPage,
  CommandParams,
  CommandsQuerystring,
  CommandView,
  EmergencyStopBody,
  EmergencyStopView,
  HoldingView,
  NewCommandBody,
  StopView,
} from './commands.schemas.js';
import { batchView, commandPageView, commandView, emergencyStopView, holdingView, stopView } from './commands.views.js';
import { DeviceParams } from './devices.schemas.js';
import { onlyItself } from '../../platform/http/context.js';
import type { CommandsService } from './commands.service.js';
import type { DevicesService } from './devices.service.js';

const TAGS = { tags: ['commands'] };

export const commandsRoutes: FastifyPluginAsyncTypebox<{ commands: CommandsService; devices: DevicesService }> = async (
  app,
  deps,
) => {
  const { commands } = deps;

  app.post(
    '/api/v1/farms/:farm/devices/:device/commands',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Queue a command (202): it goes to the device over MQTT when it is online, until it expires. A repeated idempotency key answers the first command.',
        params: DeviceParams,
        body: NewCommandBody,
        response: { 202: CommandView, ...idempotentAnswers(CommandView) },
      },
    },
    async (request, reply) => {
      const { command, created } = await commands.create(
        farmOf(request),
        request.params.device,
        request.body,
        metaOf(request),
      );
      return reply.code(idempotentStatus(created, 202)).send(commandView(command));
    },
  );

  app.post(
    '/api/v1/farms/:farm/commands/batch',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'One command to many devices (all checked first: none is queued unless all can take it)',
        params: FarmParams,
        body: CommandBatchBody,
        response: { 202: BatchView },
      },
    },
    async (request, reply) => {
      const result = await commands.batch(farmOf(request), request.body, metaOf(request));
      return reply.code(202).send(batchView(result));
    },
  );

  app.get(
    '/api/v1/farms/:farm/commands',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Commands, newest first',
        params: FarmParams,
        querystring: CommandsQuerystring,
        response: { 200: CommandPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      return commandPageView(await commands.list(farmOf(request), { ...request.query, limit }));
    },
  );

  app.get(
    '/api/v1/farms/:farm/commands/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'A command with its status and the time of each step',
        params: CommandParams,
        response: { 200: CommandView },
      },
    },
    async (request) => commandView(await commands.get(farmOf(request), request.params.id)),
  );

  app.delete(
    '/api/v1/farms/:farm/commands/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary: 'Cancel a command still queued (409 once sent)',
        params: CommandParams,
        response: { 200: CommandView },
      },
    },
    async (request) => commandView(await commands.cancel(farmOf(request), request.params.id, metaOf(request))),
  );

  app.post(
    '/api/v1/farms/:farm/devices/:device/commands/ack',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        'x-devices': true,
        summary:
          'A device (or gateway) reports on a command over HTTP; MQTT devices use croft/{farm}/{device}/commands/ack',
        params: DeviceParams,
        body: CommandAckBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      onlyItself(request, request.params.device);
      const ctx = farmOf(request);
      const device = await deps.devices.get(ctx, request.params.device);
      await commands.acknowledge(ctx.farmId, device.device_id, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/emergency-stop',
    {
      schema: {
        tags: ['commands'],
        'x-permission': 'farm.read',
        summary: 'Whether an emergency stop holds the farm',
        params: FarmParams,
        response: { 200: HoldingView },
      },
    },
    async (request) => holdingView(await commands.holding(farmOf(request).farmId)),
  );

  app.post(
    '/api/v1/farms/:farm/emergency-stop',
    {
      schema: {
        tags: ['commands'],
        'x-permission': 'config.write',
        summary:
          'Emergency stop: cancels everything queued, sends every channel to its safe state ahead of anything else, suspends schedules; holds until released',
        params: FarmParams,
        body: EmergencyStopBody,
        response: { 200: EmergencyStopView },
      },
    },
    async (request) => {
      const result = await commands.emergencyStop(farmOf(request), request.body?.reason, metaOf(request));
      return emergencyStopView(result);
    },
  );

  app.post(
    '/api/v1/farms/:farm/emergency-stop/release',
    {
      schema: {
        tags: ['commands'],
        'x-permission': 'config.write',
        summary: 'Release the emergency stop',
        params: FarmParams,
        response: { 200: StopView },
      },
    },
    async (request) => stopView(await commands.releaseEmergencyStop(farmOf(request), metaOf(request))),
  );
};
