import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, OneOf, Uuid } from '../../platform/http/schemas.js';
import { CHANNEL_KINDS } from './devices.tables.js';

const DeviceType = Type.Union([
  Type.Literal('gpio'),
  Type.Literal('relay'),
  Type.Literal('pwm'),
  Type.Literal('adc'),
  Type.Literal('servo'),
  Type.Literal('sensor'),
  Type.Literal('manual'),
]);
const DeviceLabel = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'The id the hardware reports, unique in the farm',
});
const Semver = Type.String({
  pattern: '^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.+-]+)?$',
  description: 'Semantic version, e.g. 1.4.2',
});

export const Channel = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
    kind: OneOf(CHANNEL_KINDS),
    safe_state: Type.Union(
      [Type.Literal('on'), Type.Literal('off'), Type.Literal('unchanged'), Type.Number({ minimum: 0, maximum: 255 })],
      {
        description:
          'What the channel must be in an emergency: on (a poultry-house fan), off (a heater), a value, ' +
          'or unchanged',
      },
    ),
  },
  { additionalProperties: false },
);
export type ChannelInput = Static<typeof Channel>;

export const DeviceView = Type.Object(
  {
    id: Uuid,
    device_id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    hardware_id: Nullable(Type.String()),
    location_id: Nullable(Uuid),
    model: Nullable(Type.String()),
    firmware_version: Nullable(Type.String()),
    active: Type.Boolean(),
    online: Type.Boolean(),
    last_heartbeat_at: Nullable(DateTime),
    signal_strength: Nullable(Type.Number()),
    heap_free: Nullable(Type.Integer()),
    uptime_seconds: Nullable(Type.Integer()),
    last_command_status: Nullable(Type.String()),
    last_command_at: Nullable(DateTime),
    channels: Type.Array(Channel),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

export const DeviceList = Type.Object({ data: Type.Array(DeviceView) });

export const ConfigView = Type.Object(
  {
    name: Type.String(),
    value: Type.Unknown(),
    unit: Nullable(Type.String()),
    min: Nullable(Type.Number()),
    max: Nullable(Type.Number()),
    calibrated: Type.Boolean(),
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

export const ConfigList = Type.Object({ data: Type.Array(ConfigView) });

export const DeviceParams = Type.Object({
  farm: FarmParams.properties.farm,
  device: Type.String({ minLength: 1, maxLength: 64, description: 'Device id or label' }),
});
export const ConfigParams = Type.Object({
  ...DeviceParams.properties,
  name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
});

const DeviceFields = {
  name: Name,
  hardware_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 128 }))),
  location_id: Type.Optional(Nullable(Uuid)),
  model: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
  firmware_version: Type.Optional(Nullable(Semver)),
  channels: Type.Optional(Type.Array(Channel, { maxItems: 64 })),
};

export const NewDeviceBody = Type.Object(
  { device_id: DeviceLabel, type: DeviceType, ...DeviceFields },
  { additionalProperties: false },
);
export type NewDevice = Static<typeof NewDeviceBody>;

export const DevicePatchBody = Type.Object(
  { ...DeviceFields, name: Type.Optional(DeviceFields.name), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type DevicePatch = Static<typeof DevicePatchBody>;

export const CredentialsView = Type.Object({
  username: Type.String(),
  password: Type.String(),
  mqtt: Type.Object({
    host: Type.String(),
    port: Nullable(Type.Integer()),
    tls_port: Nullable(Type.Integer({ description: 'MQTT over TLS (see the README to pin its certificate)' })),
    websocket_url: Nullable(Type.String({ description: 'MQTT over WebSocket, for gateways behind an HTTP proxy' })),
    topic_prefix: Type.String({ description: 'croft/{farm id}/{device}: stable for the device’s lifetime' }),
  }),
});

export const ConfigBody = Type.Object(
  {
    value: Type.Unknown(),
    unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 32 }))),
    min: Type.Optional(Nullable(Type.Number())),
    max: Type.Optional(Nullable(Type.Number())),
    calibrated: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, required: ['value'] },
);
export type ConfigInput = Static<typeof ConfigBody>;

export const HeartbeatBody = Type.Object(
  {
    firmware_version: Type.Optional(Semver),
    uptime_seconds: Type.Optional(Type.Integer({ minimum: 0 })),
    signal_strength: Type.Optional(Type.Number()),
    heap_free: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof HeartbeatBody>;
