import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../../app.js';
import { FarmParams } from '../farms/farms.schemas.js';
import { farmOf, metaOf } from '../identity/http.js';
import { DateTime, Uuid } from '../identity/identity.schemas.js';
import type { DeviceRow } from './devices.repository.js';

const DeviceType = Type.Union([Type.Literal('gpio'), Type.Literal('relay'), Type.Literal('pwm'), Type.Literal('adc'),
  Type.Literal('servo'), Type.Literal('sensor'), Type.Literal('manual')]);
const DeviceLabel = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'The id the hardware reports, unique in the farm' });

const DeviceView = Type.Object({
  id: Uuid, device_id: Type.String(), name: Type.String(), type: Type.String(),
  hardware_id: Type.Union([Type.String(), Type.Null()]), location_id: Type.Union([Uuid, Type.Null()]),
  created_at: DateTime, updated_at: DateTime,
}, { additionalProperties: false });

export const deviceView = (d: DeviceRow) => ({
  id: d.id, device_id: d.device_id, name: d.name, type: d.type, hardware_id: d.hardware_id, location_id: d.location_id,
  created_at: d.created_at.toISOString(), updated_at: d.updated_at.toISOString(),
});

const TAGS = { tags: ['devices'] };
export const DeviceParams = Type.Object({ farm: FarmParams.properties.farm, device: Type.String({ minLength: 1, maxLength: 64, description: 'Device id or label' }) });

export const devicesRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { devices } = deps.services;

  app.post('/api/v1/farms/:farm/devices', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Register a device (manual devices take hand-held readings)', params: FarmParams,
      body: Type.Object({ device_id: DeviceLabel, name: Type.String({ minLength: 1, maxLength: 200 }), type: DeviceType,
        hardware_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()])),
        location_id: Type.Optional(Type.Union([Uuid, Type.Null()])) }, { additionalProperties: false }),
      response: { 201: DeviceView } },
  }, async (request, reply) => reply.code(201).send(deviceView(await devices.create(farmOf(request), request.body, metaOf(request)))));

  app.get('/api/v1/farms/:farm/devices', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The farm's devices", params: FarmParams,
      response: { 200: Type.Object({ data: Type.Array(DeviceView) }) } },
  }, async (request) => ({ data: (await devices.list(farmOf(request))).map(deviceView) }));

  app.get('/api/v1/farms/:farm/devices/:device', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'One device (by id or label)', params: DeviceParams, response: { 200: DeviceView } },
  }, async (request) => deviceView(await devices.get(farmOf(request), request.params.device)));

  app.post('/api/v1/farms/:farm/devices/:device/credentials', {
    schema: { ...TAGS, 'x-permission': 'config.write',
      summary: "New credentials for the device (MQTT and HTTP Basic); the old ones stop working. The password is shown once.",
      params: DeviceParams,
      response: { 201: Type.Object({ username: Type.String(), password: Type.String(),
        mqtt: Type.Object({ host: Type.String(), port: Type.Union([Type.Integer(), Type.Null()]), topic_prefix: Type.String() }) }) } },
  }, async (request, reply) => {
    const ctx = farmOf(request);
    const { username, password, device } = await devices.issueCredentials(ctx, request.params.device, metaOf(request));
    return reply.code(201).send({ username, password,
      mqtt: { host: devices.mqtt.host, port: devices.mqtt.port, topic_prefix: `croft/${ctx.slug}/${device.device_id}` } });
  });
};
