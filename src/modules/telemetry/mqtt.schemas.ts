import { Type } from 'typebox';

/**
 * The MQTT payloads of ARCHITECTURE.md as JSON Schema: the device makers' contract, published in the
 * AsyncAPI document. The parsers (mqtt.engine.ts) accept exactly these; a test holds them together.
 */

const Iso = Type.String({ format: 'date-time' });

const TelemetryMessage = Type.Object({
  ts: Type.Optional(Iso),
  readings: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), Type.Number(), {
    description: 'metric → value (lower-case metric names; at most 10,000 readings in one message)',
    additionalProperties: false,
    maxProperties: 10_000,
  }),
  quality: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
});

export const CroftTelemetryPayload = Type.Union(
  [TelemetryMessage, Type.Array(TelemetryMessage, { maxItems: 10_000 })],
  {
    description: 'One message, or an array of them. Without ts, the time Croft receives it.',
    examples: [{ ts: '2026-06-01T06:00:00Z', readings: { temperature: 24.1, humidity: 61 } }],
  },
);

export const BeeTelemetryPayload = Type.Object(
  {
    device_id: Type.Optional(Type.String({ description: 'Must match the topic’s device' })),
    timestamp: Type.Optional(Iso),
    temperature: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    humidity: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    weight: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    sound_level: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  },
  {
    description: "BeeAPI's hive-scale payload, unchanged",
    examples: [
      {
        device_id: 'hive-scale-01',
        timestamp: '2026-06-01T06:00:00Z',
        temperature: 35.2,
        humidity: 58,
        weight: 45.3,
        sound_level: 52,
      },
    ],
  },
);

export const HeartbeatPayload = Type.Object(
  {
    firmware_version: Type.Optional(Type.String()),
    uptime_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    signal_strength: Type.Optional(Type.Number({ minimum: -200, maximum: 100, description: 'dBm' })),
    heap_free: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes' })),
  },
  { examples: [{ firmware_version: '1.4.2', uptime_seconds: 3600, signal_strength: -61, heap_free: 81234 }] },
);

export const ConfigPayload = Type.Record(Type.String(), Type.Unknown(), {
  description: "The device's configuration parameters (retained: a device gets it on subscribing)",
});

export const CommandPayload = Type.Object({
  command_id: Type.String({ format: 'uuid', description: 'Ignore an id already run: delivery is at least once' }),
  action: Type.Union([
    Type.Literal('on'),
    Type.Literal('off'),
    Type.Literal('toggle'),
    Type.Literal('set_value'),
    Type.Literal('set_angle'),
    Type.Literal('set_speed'),
  ]),
  value: Type.Optional(Type.Number()),
  channel: Type.Optional(Type.String()),
  duration_ms: Type.Optional(Type.Integer({ minimum: 1 })),
  expires_at: Iso,
});

export const CommandAckPayload = Type.Object({
  command_id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('executing'), Type.Literal('completed'), Type.Literal('failed')]),
  new_state: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.String()),
});
