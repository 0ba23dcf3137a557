import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/helpers/app.js';
import { jsonValidator } from '../../platform/http/validation.js';
import { parseTopic, readingsFromBeePayload, readingsFromCroftPayload, DEVICE_TOPICS } from '../telemetry/index.js';
import { LIVE_MESSAGES, MQTT_CHANNELS } from './asyncapi.js';
import { ClientMessage, ServerMessage } from './live.schemas.js';

type Doc = {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, unknown> }>;
  components: { messages: Record<string, { payload: object }> };
  operations: Record<string, { action: string }>;
};

const fetchDoc = async (): Promise<Doc> => {
  const t = await createTestApp();
  try {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/asyncapi.json' });
    expect(res.statusCode).toBe(200);
    return res.json();
  } finally {
    await t.close();
  }
};

/** Every `$ref` in the document points at something in it. */
function unresolvedRefs(doc: unknown): string[] {
  const missing: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const target = value
          .replace(/^#\//, '')
          .split('/')
          .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], doc);
        if (target === undefined) missing.push(value);
      } else walk(value);
    }
  };
  walk(doc);
  return missing;
}

describe('AsyncAPI document', () => {
  it('is AsyncAPI 3.0 with every reference resolving', async () => {
    const doc = await fetchDoc();
    expect(doc.asyncapi).toBe('3.0.0');
    expect(unresolvedRefs(doc)).toEqual([]);
    expect(Object.keys(doc.channels)).toEqual(
      expect.arrayContaining([...Object.keys(MQTT_CHANNELS), 'farmLive', 'personalLive']),
    );
  });

  it('names exactly the topics Croft parses, and subscribes to every device→Croft one', () => {
    const fill = (address: string) => address.replace('{farm}', 'sunny-acres').replace('{device}', 'coop-1');
    for (const [name, channel] of Object.entries(MQTT_CHANNELS)) {
      const topic = parseTopic(fill(channel.address));
      expect(topic, name).toBeDefined();
      if (topic?.kind === 'croft') expect(`croft/{farm}/{device}/${topic.channel}`).toBe(channel.address);
    }
    const fromDevices = Object.values(MQTT_CHANNELS)
      .filter((c) => c.from === 'device')
      .map((c) => c.address.replace(/\{[a-z]+\}/g, '+'));
    expect([...DEVICE_TOPICS].sort()).toEqual(fromDevices.sort());
  });

  it('describes payloads the parsers read: each example validates and parses', () => {
    const telemetry = jsonValidator(MQTT_CHANNELS.telemetry.payload);
    for (const example of (MQTT_CHANNELS.telemetry.payload as { examples?: unknown[] }).examples!) {
      expect(telemetry(example).ok).toBe(true);
      expect(readingsFromCroftPayload('coop-1', Buffer.from(JSON.stringify(example)))).toMatchObject({ ok: true });
    }
    expect(telemetry({ readings: { temperature: 'hot' } }).ok).toBe(false);
    expect(telemetry({ temperature: 21 }).ok).toBe(false);
    expect(readingsFromCroftPayload('coop-1', Buffer.from(JSON.stringify({ temperature: 21 })))).toMatchObject({
      ok: false,
    });

    const bee = jsonValidator(MQTT_CHANNELS.beehiveTelemetry.payload);
    for (const example of (MQTT_CHANNELS.beehiveTelemetry.payload as { examples?: Array<{ device_id: string }> })
      .examples!) {
      expect(bee(example).ok).toBe(true);
      const parsed = readingsFromBeePayload(example.device_id, Buffer.from(JSON.stringify(example)));
      expect(parsed.ok && parsed.readings.map((r) => r.metric).sort()).toEqual([
        'humidity',
        'sound_level',
        'temperature',
        'weight',
      ]);
    }
    for (const channel of Object.values(MQTT_CHANNELS)) {
      for (const example of ('examples' in channel.payload ? channel.payload.examples : []) as unknown[])
        expect(jsonValidator(channel.payload)(example).ok).toBe(true);
    }
  });

  it('lists every live message type the code sends and reads, each in the right direction', async () => {
    const doc = await fetchDoc();
    const types = (union: { anyOf: Array<{ properties: { type: { const: string } } }> }) =>
      union.anyOf.map((s) => s.properties.type.const).sort();
    const documented = (from: string) =>
      Object.values(LIVE_MESSAGES)
        .filter((m) => m.from === from)
        .map((m) => (m.schema as unknown as { properties: { type: { const: string } } }).properties.type.const)
        .sort();
    expect(documented('croft')).toEqual(types(ServerMessage as never));
    expect(documented('client')).toEqual(types(ClientMessage as never));
    for (const name of Object.keys(LIVE_MESSAGES)) expect(doc.components.messages[name], name).toBeDefined();
    expect(doc.operations.farmLiveClientMessages!.action).toBe('receive');
    expect(doc.operations.farmLiveCroftMessages!.action).toBe('send');
  });
});
