import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import type { BrokerHooks } from '../../platform/mqtt/broker.js';
import { farmReads } from '../farms/index.js';
import { deviceReads, type DevicesService, type CommandAck, type CommandsService } from '../devices/index.js';

import { jsonValidator } from '../../platform/http/validation.js';
import { KeyedQueue } from '../../platform/keyed-queue.js';
import { CommandAckPayload, HeartbeatPayload } from './mqtt.schemas.js';
import type { RawReading } from './telemetry.engine.js';
import type { TelemetryService } from './telemetry.service.js';
import {
  mayPublish,
  maySubscribe,
  parseTopic,
  readingsFromBeePayload,
  readingsFromCroftPayload,
  type MqttIdentity,
} from './mqtt.engine.js';

export type { MqttIdentity } from './mqtt.engine.js';

export type MqttOutcome = 'stored' | 'malformed' | 'dropped';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the readings of many messages for a few milliseconds and stores them together — one
 * transaction per farm — then lets each message be acknowledged. This is what makes high MQTT rates
 * possible while no PUBACK goes out before its readings are committed.
 */
export class GroupCommit {
  readonly #pending = new Map<string, { readings: RawReading[]; waiter: Waiter }[]>();
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly telemetry: TelemetryService,
    private readonly windowMs: number,
    private readonly onResult: (farmId: string, rejected: number) => void = () => {},
  ) {}

  add(farmId: string, readings: RawReading[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const batch = this.#pending.get(farmId) ?? [];
      batch.push({ readings, waiter: { resolve, reject } });
      this.#pending.set(farmId, batch);
      this.#size += readings.length;
      if (this.#size >= 5_000) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  /** Stores everything gathered so far; resolves when it is committed (or failed). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batches = [...this.#pending];
    this.#pending.clear();
    this.#size = 0;
    this.#flushing = this.#flushing.then(async () => {
      for (const [farmId, messages] of batches) {
        try {
          const result = await this.telemetry.ingest(
            { farmId },
            messages.flatMap((m) => m.readings),
          );
          this.onResult(farmId, result.rejected);
          for (const { waiter } of messages) waiter.resolve();
        } catch (error) {
          if (messages.length === 1) {
            messages[0]!.waiter.reject(error);
            continue;
          }
          // One message may have made the whole group fail: each on its own, so only that one fails.
          for (const { readings, waiter } of messages) {
            try {
              const result = await this.telemetry.ingest({ farmId }, readings);
              this.onResult(farmId, result.rejected);
              waiter.resolve();
            } catch (alone) {
              waiter.reject(alone);
            }
          }
        }
      }
    });
    return this.#flushing;
  }
}

/**
 * A failure no resend can cure: the database refused the data itself (SQLSTATE class 22, data
 * exception; 23, integrity constraint), or the data broke a computation (a RangeError such as an
 * invalid date). Anything else (a lost connection, a timeout, a shutdown) may pass.
 */
export function unstorable(error: unknown): boolean {
  if (error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

export interface MqttIngestOptions {
  db: Database;
  devices: DevicesService;
  commands: CommandsService;
  telemetry: TelemetryService;
  log: Logger;
  batchMs: number;
  anonymousFarm: string | undefined;
  count: (outcome: MqttOutcome, n?: number) => void;
}

const isHeartbeat = jsonValidator<{
  firmware_version?: string;
  uptime_seconds?: number;
  signal_strength?: number;
  heap_free?: number;
}>(HeartbeatPayload);
const isCommandAck = jsonValidator<CommandAck>(CommandAckPayload);

export interface TelemetryMqtt extends BrokerHooks<MqttIdentity> {
  commit: GroupCommit;
  /**
   * A message that came through an external broker, which has already checked the device's
   * credentials and topic rights (through Croft's broker-auth endpoints): the topic says who sent it.
   */
  external(topic: string, payload: Buffer): Promise<void>;
  connected(identity: MqttIdentity): void;
  disconnected(identity: MqttIdentity): void;
}

/** How the brokers (embedded or external) hand devices' messages to telemetry. */
export function telemetryBrokerHooks(options: MqttIngestOptions): TelemetryMqtt {
  const { devices, telemetry, log, count } = options;
  const commit = new GroupCommit(telemetry, options.batchMs, (_farm, rejected) => {
    if (rejected > 0) count('dropped', rejected);
  });
  // Presence of one device changes in the order things happened: a quick reconnection's "online" must
  // not be overtaken by the old connection's "offline" (each is its own transaction). And a device is
  // offline only when its last connection ends.
  const presence = new KeyedQueue();
  const presenceKey = (farmId: string, device: string) => `${farmId}|${device}`;
  const connections = new Map<string, Set<MqttIdentity>>();
  const farms = new Map<string, { farmId: string; slug: string; at: number }>();
  const farmByRef = async (ref: string) => {
    const cached = farms.get(ref);
    if (cached && Date.now() - cached.at < 60_000) return cached;
    const farm = await options.db.system((tx) => farmReads.findLive(tx, ref));
    if (!farm) return undefined;
    const entry = { farmId: farm.id, slug: farm.slug, at: Date.now() };
    farms.set(ref, entry);
    return entry;
  };
  /** Who sent a message through an external broker, from its topic alone. */
  const senderOf = async (topicName: string): Promise<MqttIdentity | undefined> => {
    const topic = parseTopic(topicName);
    if (!topic) return undefined;
    if (topic.kind === 'croft') {
      const farm = await farmByRef(topic.farm);
      return farm && { farmId: farm.farmId, farmRefs: new Set([farm.farmId, farm.slug]), device: topic.device };
    }
    const matches = await options.db.system((tx) => deviceReads.byLabelAnywhere(tx, topic.device));
    if (matches.length > 1) {
      log.warn(
        { topic: topicName },
        'BeeAPI topic names a device label used in several farms: use croft/{farm}/{device}/telemetry for it',
      );
      return undefined;
    }
    const device = matches[0];
    return (
      device && { farmId: device.farm_id, farmRefs: new Set([device.farm_id, device.slug]), device: device.device_id }
    );
  };

  /** Heartbeats and command reports go to the devices module, stored before the broker acknowledges. */
  const devicesMessage = async (farmId: string, device: string, channel: string, payload: Buffer) => {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8') || '{}');
    } catch {
      count('malformed');
      return;
    }
    if (channel === 'heartbeat') {
      const beat = isHeartbeat(body);
      if (!beat.ok) return void count('malformed');
      await presence.run(presenceKey(farmId, device), () => devices.heartbeat(farmId, device, beat.value));
    } else if (channel === 'commands/ack') {
      const ack = isCommandAck(body);
      if (!ack.ok) return void count('malformed');
      await options.commands.acknowledge(farmId, device, ack.value);
      await presence.run(presenceKey(farmId, device), () => devices.heartbeat(farmId, device));
    }
  };

  const hooks: TelemetryMqtt = {
    commit,
    async external(topicName, payload) {
      const sender = await senderOf(topicName);
      if (!sender) {
        // Acknowledged and counted: an unknown farm or device will not become known by resending.
        count('malformed');
        log.debug({ topic: topicName }, 'MQTT message for no known farm or device');
        return;
      }
      try {
        await hooks.publish(sender, topicName, payload);
      } catch (error) {
        if (!unstorable(error)) throw error; // not acknowledged: the broker delivers it again
        // Acknowledged and counted: what the database refuses as data it will refuse on every resend.
        count('malformed');
        log.warn({ topic: topicName, err: error }, 'MQTT message that can never be stored, dropped');
      }
    },
    async authenticate(username, password) {
      if (username === undefined || username === '') {
        if (!options.anonymousFarm) return undefined;
        const farm = await options.db.system((tx) => farmReads.findLive(tx, options.anonymousFarm!));
        return farm ? { farmId: farm.id, farmRefs: new Set([farm.id, farm.slug]), device: null } : undefined;
      }
      const device = await devices.authenticate(username, password ?? '');
      return (
        device && { farmId: device.farmId, farmRefs: new Set([device.farmId, device.farmSlug]), device: device.label }
      );
    },
    async publish(identity, topicName, payload) {
      if (!mayPublish(identity, topicName)) throw new Error(`not allowed to publish on ${topicName}`);
      const topic = parseTopic(topicName)!;
      if (topic.kind === 'croft' && topic.channel !== 'telemetry')
        return devicesMessage(identity.farmId, topic.device, topic.channel, payload);
      const parsed =
        topic.kind === 'beehive'
          ? readingsFromBeePayload(topic.device, payload)
          : readingsFromCroftPayload(topic.device, payload);
      if (!parsed.ok) {
        // Acknowledged and counted: a malformed message must not make the device resend it forever.
        count('malformed');
        log.debug({ topic: topicName, reason: parsed.reason }, 'MQTT message not readable');
        return;
      }
      await commit.add(identity.farmId, parsed.readings);
      count('stored');
    },
    // One device's credentials (or, in anonymous mode, the farm's open door) hold a session.
    holder: (identity) => `${identity.farmId}/${identity.device ?? ''}`,
    maySubscribe,
    subscribed(identity, filter) {
      // A device listening for its commands is reachable: it counts as alive, and what waits goes out.
      const topic = parseTopic(filter);
      if (topic?.kind === 'croft' && topic.channel === 'commands' && identity.device !== null) {
        const { farmId, device } = identity;
        presence
          .run(presenceKey(farmId, device), async () => {
            await devices.heartbeat(farmId, device);
            await options.commands.listening(farmId, device);
          })
          .catch((error: unknown) => log.error({ err: error }, 'waiting commands not delivered'));
      }
    },
    connected(identity) {
      if (identity.device === null) return;
      const key = presenceKey(identity.farmId, identity.device);
      const open = connections.get(key) ?? new Set();
      open.add(identity);
      connections.set(key, open);
    },
    disconnected(identity) {
      if (identity.device === null) return;
      const { farmId, device } = identity;
      const key = presenceKey(farmId, device);
      const open = connections.get(key);
      open?.delete(identity);
      if (open && open.size > 0) return; // still connected another way (a reconnection seen before the old connection's end)
      connections.delete(key);
      presence
        .run(key, () => devices.markOffline(farmId, device, 'disconnected'))
        .catch((error: unknown) => log.error({ err: error }, 'presence not recorded'));
    },
  };
  return hooks;
}
