import { jsonValidator } from '../../platform/http/validation.js';
import type { RawReading } from './telemetry.engine.js';
import { BeeTelemetryPayload, CroftTelemetryPayload } from './mqtt.schemas.js';
import { MAX_BATCH } from './telemetry.schemas.js';

/**
 * MQTT topics and payloads (ARCHITECTURE.md): `croft/{farm}/{device}/…` and BeeAPI's
 * `beehive/{device}/telemetry`. Pure parsing; no I/O.
 */
export type Topic =
  | {
      kind: 'croft';
      farm: string;
      device: string;
      channel: 'telemetry' | 'heartbeat' | 'commands/ack' | 'config' | 'commands';
    }
  | { kind: 'beehive'; device: string };

const CHANNELS = ['telemetry', 'heartbeat', 'commands/ack', 'config', 'commands'] as const;

export function parseTopic(topic: string): Topic | undefined {
  const parts = topic.split('/');
  if (parts[0] === 'beehive' && parts.length === 3 && parts[2] === 'telemetry' && parts[1])
    return { kind: 'beehive', device: parts[1] };
  if (parts[0] !== 'croft' || parts.length < 4 || !parts[1] || !parts[2]) return undefined;
  const channel = parts.slice(3).join('/');
  return (CHANNELS as readonly string[]).includes(channel)
    ? { kind: 'croft', farm: parts[1], device: parts[2], channel: channel as (typeof CHANNELS)[number] }
    : undefined;
}

/** A connected MQTT client: a device with its credentials, or any device of one farm in anonymous mode. */
export interface MqttIdentity {
  farmId: string;
  farmRefs: ReadonlySet<string>;
  /** The device's label; null in anonymous mode (the topic names the device). */
  device: string | null;
}

const owns = (identity: MqttIdentity, topic: Topic) =>
  (identity.device === null || identity.device === topic.device) &&
  (topic.kind !== 'croft' || identity.farmRefs.has(topic.farm));

/** Devices publish readings, heartbeats and command progress, on their own topics only. */
export function mayPublish(identity: MqttIdentity, topicName: string): boolean {
  const topic = parseTopic(topicName);
  return (
    topic !== undefined &&
    owns(identity, topic) &&
    (topic.kind === 'beehive' ||
      topic.channel === 'telemetry' ||
      topic.channel === 'heartbeat' ||
      topic.channel === 'commands/ack')
  );
}

/** Devices subscribe to their own commands and configuration (no wildcards). */
export function maySubscribe(identity: MqttIdentity, filter: string): boolean {
  const topic = parseTopic(filter);
  return (
    topic?.kind === 'croft' &&
    identity.device !== null &&
    owns(identity, topic) &&
    (topic.channel === 'commands' || topic.channel === 'config')
  );
}

export type Parsed = { ok: true; readings: RawReading[] } | { ok: false; reason: string };

type CroftMessage = { ts?: string; readings: Record<string, number>; quality?: number };
const isCroftPayload = jsonValidator<CroftMessage | CroftMessage[]>(CroftTelemetryPayload);
const isBeePayload = jsonValidator<Record<string, unknown>>(BeeTelemetryPayload);

const firstError = (errors: string[]) => errors.slice(0, 3).join('; ');

/**
 * Croft's payload: `{"ts"?, "readings": {"temperature": 24.1, …}}`, or an array of those, checked
 * against its schema (the AsyncAPI contract) before anything is made of it. Each metric becomes a
 * reading of `device`; more than {@link MAX_BATCH} readings in one message is refused whole.
 */
export function readingsFromCroftPayload(device: string, payload: Buffer): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const checked = isCroftPayload(body);
  if (!checked.ok) return { ok: false, reason: firstError(checked.errors) };
  const messages = Array.isArray(checked.value) ? checked.value : [checked.value];
  const readings: RawReading[] = [];
  for (const { ts, readings: values, quality } of messages) {
    for (const metric in values) {
      if (readings.length === MAX_BATCH) return { ok: false, reason: `more than ${MAX_BATCH} readings in one message` };
      readings.push({ device, metric, ts, value: values[metric], quality });
    }
  }
  return { ok: true, readings };
}

const BEE_METRICS = ['temperature', 'humidity', 'weight', 'sound_level'] as const;

/** BeeAPI's hive-scale payload: `{"device_id","timestamp","temperature","humidity","weight","sound_level"}`. */
export function readingsFromBeePayload(device: string, payload: Buffer): Parsed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const checked = isBeePayload(parsed);
  if (!checked.ok) return { ok: false, reason: firstError(checked.errors) };
  const body = checked.value;
  if (body.device_id !== undefined && body.device_id !== device) {
    return { ok: false, reason: `device_id "${String(body.device_id)}" does not match the topic's "${device}"` };
  }
  return {
    ok: true,
    readings: BEE_METRICS.filter((m) => body[m] !== undefined && body[m] !== null).map((metric) => ({
      device,
      metric,
      ts: body.timestamp,
      value: body[metric],
    })),
  };
}
