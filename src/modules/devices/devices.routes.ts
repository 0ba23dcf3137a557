import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf, onlyItself } from '../../platform/http/context.js';
import {
  ConfigBody,
  ConfigList,
  ConfigParams,
  ConfigView,
  CredentialsView,
  DeviceList,
  DeviceParams,
  DevicePatchBody,
  DeviceView,
  HeartbeatBody,
  NewDeviceBody,
} from './devices.schemas.js';
import { configView, credentialsView, deviceView } from './devices.views.js';
import type { DevicesService } from './devices.service.js';
import type { DeviceLink } from '../../platform/mqtt/link.js';

const TAGS = { tags: ['devices'] };

export const devicesRoutes: FastifyPluginAsyncTypebox<{ devices: DevicesService; link: DeviceLink }> = async (
  app,
  deps,
) => {
  const { devices, link } = deps;

  app.post(
    '/api/v1/farms/:farm/devices',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Register a device, with the channels a controller drives',
        params: FarmParams,
        body: NewDeviceBody,
        response: { 201: DeviceView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(deviceView(await devices.create(farmOf(request), request.body, metaOf(request)))),
  );

  app.get(
    '/api/v1/farms/:farm/devices',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The farm's devices, with presence",
        params: FarmParams,
        response: { 200: DeviceList },
      },
    },
    async (request) => ({ data: (await devices.list(farmOf(request))).map(deviceView) }),
  );

  app.get(
    '/api/v1/farms/:farm/devices/:device',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One device (by id or label)',
        params: DeviceParams,
        response: { 200: DeviceView },
      },
    },
    async (request) => deviceView(await devices.get(farmOf(request), request.params.device)),
  );

  app.patch(
    '/api/v1/farms/:farm/devices/:device',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Change a device (channels, when given, replace the list)',
        params: DeviceParams,
        body: DevicePatchBody,
        response: { 200: DeviceView },
      },
    },
    async (request) =>
      deviceView(await devices.update(farmOf(request), request.params.device, request.body, metaOf(request))),
  );

  app.delete(
    '/api/v1/farms/:farm/devices/:device',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Delete a device with its readings and commands',
        params: DeviceParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await devices.remove(farmOf(request), request.params.device, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/farms/:farm/devices/:device/credentials',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'New credentials for the device (MQTT and HTTP Basic); the old ones stop working and a connected device is disconnected. The password is shown once.',
        params: DeviceParams,
        response: { 201: CredentialsView },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      const issued = await devices.issueCredentials(ctx, request.params.device, metaOf(request));
      return reply.code(201).send(credentialsView(issued, link.endpoint, ctx.farmId));
    },
  );

  app.delete(
    '/api/v1/farms/:farm/devices/:device/credentials',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: "Revoke the device's credentials (it is disconnected at once)",
        params: DeviceParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await devices.revokeCredentials(farmOf(request), request.params.device, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/devices/:device/config',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The device's configuration parameters",
        params: DeviceParams,
        response: { 200: ConfigList },
      },
    },
    async (request) => ({ data: (await devices.config(farmOf(request), request.params.device)).map(configView) }),
  );

  app.put(
    '/api/v1/farms/:farm/devices/:device/config/:name',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'Set a parameter (a value outside min/max is refused); the device gets its configuration, retained, on croft/{farm}/{device}/config',
        params: ConfigParams,
        body: ConfigBody,
        response: { 200: ConfigView },
      },
    },
    async (request) => {
      const { device, name } = request.params;
      return configView(await devices.setConfig(farmOf(request), device, name, request.body, metaOf(request)));
    },
  );

  app.delete(
    '/api/v1/farms/:farm/devices/:device/config/:name',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Remove a parameter',
        params: ConfigParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await devices.deleteConfig(farmOf(request), request.params.device, request.params.name, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/farms/:farm/devices/:device/heartbeat',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        'x-devices': true,
        summary: 'A heartbeat over HTTP (gateways); MQTT devices use croft/{farm}/{device}/heartbeat',
        params: DeviceParams,
        body: HeartbeatBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      onlyItself(request, request.params.device);
      await devices.heartbeatOf(ctx, request.params.device, request.body);
      return reply.code(204).send(null);
    },
  );
};
