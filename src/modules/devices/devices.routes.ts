import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { forbidden } from '../../platform/errors.js';
import { FarmParams, Nullable } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { DateTime, OneOf, Uuid } from '../../platform/http/schemas.js';
import type { ConfigRow } from './devices.repository.js';
import type { DeviceWithChannels } from './devices.service.js';
import { CHANNEL_KINDS } from './devices.tables.js';
import type { DevicesService } from './devices.service.js';
import type { DeviceLink } from '../../platform/mqtt/link.js';

const DeviceType = Type.Union([Type.Literal('gpio'), Type.Literal('relay'), Type.Literal('pwm'), Type.Literal('adc'),
  Type.Literal('servo'), Type.Literal('sensor'), Type.Literal('manual')]);
const DeviceLabel = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'The id the hardware reports, unique in the farm' });
const Semver = Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.+-]+)?$', description: 'Semantic version, e.g. 1.4.2' });

const Channel = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  kind: OneOf(CHANNEL_KINDS),
  safe_state: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('unchanged'), Type.Number({ minimum: 0, maximum: 255 })], {
    description: 'What the channel must be in an emergency: on (a poultry-house fan), off (a heater), a value, or unchanged',
  }),
}, { additionalProperties: false });

const DeviceView = Type.Object({
  id: Uuid, device_id: Type.String(), name: Type.String(), type: Type.String(),
  hardware_id: Nullable(Type.String()), location_id: Nullable(Uuid), model: Nullable(Type.String()), firmware_version: Nullable(Type.String()),
  active: Type.Boolean(), online: Type.Boolean(), last_heartbeat_at: Nullable(DateTime), signal_strength: Nullable(Type.Number()),
  heap_free: Nullable(Type.Integer()), uptime_seconds: Nullable(Type.Integer()),
  last_command_status: Nullable(Type.String()), last_command_at: Nullable(DateTime),
  channels: Type.Array(Channel), created_at: DateTime, updated_at: DateTime,
}, { additionalProperties: false });

const iso = (d: Date | null) => d?.toISOString() ?? null;
export const deviceView = (d: DeviceWithChannels) => ({
  id: d.id, device_id: d.device_id, name: d.name, type: d.type, hardware_id: d.hardware_id, location_id: d.location_id, model: d.model,
  firmware_version: d.firmware_version, active: d.active, online: d.online, last_heartbeat_at: iso(d.last_heartbeat_at),
  signal_strength: d.signal_strength, heap_free: d.heap_free, uptime_seconds: d.uptime_seconds,
  last_command_status: d.last_command_status, last_command_at: iso(d.last_command_at),
  channels: d.channels.map((c) => ({ name: c.name, kind: c.kind, safe_state: c.safe_state === 'value' ? c.safe_value! : c.safe_state })),
  created_at: d.created_at.toISOString(), updated_at: d.updated_at.toISOString(),
});

const ConfigView = Type.Object({
  name: Type.String(), value: Type.Unknown(), unit: Nullable(Type.String()), min: Nullable(Type.Number()), max: Nullable(Type.Number()),
  calibrated: Type.Boolean(), updated_at: DateTime,
}, { additionalProperties: false });
const configView = (p: ConfigRow) => ({ name: p.name, value: p.value, unit: p.unit, min: p.min, max: p.max, calibrated: p.calibrated, updated_at: p.updated_at.toISOString() });

const TAGS = { tags: ['devices'] };
export const DeviceParams = Type.Object({ farm: FarmParams.properties.farm, device: Type.String({ minLength: 1, maxLength: 64, description: 'Device id or label' }) });
const ConfigParams = Type.Object({ ...DeviceParams.properties, name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }) });

const DeviceFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  hardware_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 128 }))),
  location_id: Type.Optional(Nullable(Uuid)),
  model: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
  firmware_version: Type.Optional(Nullable(Semver)),
  channels: Type.Optional(Type.Array(Channel, { maxItems: 64 })),
};

/** A device with its own credentials may speak only for itself. */
export function onlyItself(request: FastifyRequest, device: string): void {
  const caller = request.caller;
  if (caller?.kind === 'device' && caller.label !== device && caller.deviceId !== device) {
    throw forbidden('A device may only speak for itself', { reason: 'device' });
  }
}

export const devicesRoutes: FastifyPluginAsyncTypebox<{ devices: DevicesService; link: DeviceLink }> = async (app, deps) => {
  const { devices, link } = deps;

  app.post('/api/v1/farms/:farm/devices', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Register a device, with the channels a controller drives', params: FarmParams,
      body: Type.Object({ device_id: DeviceLabel, type: DeviceType, ...DeviceFields }, { additionalProperties: false }),
      response: { 201: DeviceView } },
  }, async (request, reply) => reply.code(201).send(deviceView(await devices.create(farmOf(request), request.body, metaOf(request)))));

  app.get('/api/v1/farms/:farm/devices', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The farm's devices, with presence", params: FarmParams,
      response: { 200: Type.Object({ data: Type.Array(DeviceView) }) } },
  }, async (request) => ({ data: (await devices.list(farmOf(request))).map(deviceView) }));

  app.get('/api/v1/farms/:farm/devices/:device', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'One device (by id or label)', params: DeviceParams, response: { 200: DeviceView } },
  }, async (request) => deviceView(await devices.get(farmOf(request), request.params.device)));

  app.patch('/api/v1/farms/:farm/devices/:device', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Change a device (channels, when given, replace the list)', params: DeviceParams,
      body: Type.Object({ ...DeviceFields, name: Type.Optional(DeviceFields.name), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: DeviceView } },
  }, async (request) => deviceView(await devices.update(farmOf(request), request.params.device, request.body, metaOf(request))));

  app.delete('/api/v1/farms/:farm/devices/:device', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Delete a device with its readings and commands', params: DeviceParams,
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await devices.remove(farmOf(request), request.params.device, metaOf(request));
    return reply.code(204).send(null);
  });

  app.post('/api/v1/farms/:farm/devices/:device/credentials', {
    schema: { ...TAGS, 'x-permission': 'config.write',
      summary: 'New credentials for the device (MQTT and HTTP Basic); the old ones stop working and a connected device is disconnected. The password is shown once.',
      params: DeviceParams,
      response: { 201: Type.Object({ username: Type.String(), password: Type.String(),
        mqtt: Type.Object({ host: Type.String(), port: Nullable(Type.Integer()), topic_prefix: Type.String() }) }) } },
  }, async (request, reply) => {
    const ctx = farmOf(request);
    const { username, password, device } = await devices.issueCredentials(ctx, request.params.device, metaOf(request));
    return reply.code(201).send({ username, password,
      mqtt: { host: link.endpoint.host, port: link.endpoint.port, topic_prefix: `croft/${ctx.slug}/${device.device_id}` } });
  });

  app.delete('/api/v1/farms/:farm/devices/:device/credentials', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: "Revoke the device's credentials (it is disconnected at once)", params: DeviceParams,
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await devices.revokeCredentials(farmOf(request), request.params.device, metaOf(request));
    return reply.code(204).send(null);
  });

  app.get('/api/v1/farms/:farm/devices/:device/config', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The device's configuration parameters", params: DeviceParams,
      response: { 200: Type.Object({ data: Type.Array(ConfigView) }) } },
  }, async (request) => ({ data: (await devices.config(farmOf(request), request.params.device)).map(configView) }));

  app.put('/api/v1/farms/:farm/devices/:device/config/:name', {
    schema: { ...TAGS, 'x-permission': 'config.write',
      summary: 'Set a parameter (a value outside min/max is refused); the device gets its configuration, retained, on croft/{farm}/{device}/config',
      params: ConfigParams,
      body: Type.Object({ value: Type.Unknown(), unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 32 }))),
        min: Type.Optional(Nullable(Type.Number())), max: Type.Optional(Nullable(Type.Number())), calibrated: Type.Optional(Type.Boolean()) },
      { additionalProperties: false, required: ['value'] }),
      response: { 200: ConfigView } },
  }, async (request) => configView(await devices.setConfig(farmOf(request), request.params.device, request.params.name, request.body, metaOf(request))));

  app.delete('/api/v1/farms/:farm/devices/:device/config/:name', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Remove a parameter', params: ConfigParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await devices.deleteConfig(farmOf(request), request.params.device, request.params.name, metaOf(request));
    return reply.code(204).send(null);
  });

  app.post('/api/v1/farms/:farm/devices/:device/heartbeat', {
    schema: { ...TAGS, 'x-permission': 'records.write', 'x-devices': true, summary: 'A heartbeat over HTTP (gateways); MQTT devices use croft/{farm}/{device}/heartbeat',
      params: DeviceParams,
      body: Type.Object({ firmware_version: Type.Optional(Semver), uptime_seconds: Type.Optional(Type.Integer({ minimum: 0 })),
        signal_strength: Type.Optional(Type.Number()), heap_free: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const ctx = farmOf(request);
    onlyItself(request, request.params.device);
    const device = await devices.get(ctx, request.params.device);
    await devices.heartbeat(ctx.farmId, device.device_id, request.body);
    return reply.code(204).send(null);
  });
};
