import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import type { BrokerHooks } from '../../platform/mqtt/broker.js';
import { farmsRepository } from '../farms/farms.repository.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { RawReading } from './telemetry.engine.js';
import type { TelemetryService } from './telemetry.service.js';
import { parseTopic, readingsFromBeePayload, readingsFromCroftPayload } from './mqtt.engine.js';

/** A connected MQTT client: a device with its credentials, or any device of one farm in anonymous mode. */
export interface MqttIdentity {
  farmId: string;
  farmRefs: ReadonlySet<string>;
  /** The device's label; null in anonymous mode (the topic names the device). */
  device: string | null;
}

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
  readonly #pending = new Map<string, { readings: RawReading[]; waiters: Waiter[] }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly telemetry: TelemetryService,
    private readonly windowMs: number,
    private readonly onResult: (farmId: string, rejected: number) => void = () => {},
  ) {}

  add(farmId: string, readings: RawReading[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const batch = this.#pending.get(farmId) ?? { readings: [], waiters: [] };
      batch.readings.push(...readings);
      batch.waiters.push({ resolve, reject });
      this.#pending.set(farmId, batch);
      const size = [...this.#pending.values()].reduce((n, b) => n + b.readings.length, 0);
      if (size >= 5_000) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  /** Stores everything gathered so far; resolves when it is committed (or failed). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batches = [...this.#pending];
    this.#pending.clear();
    this.#flushing = this.#flushing.then(async () => {
      for (const [farmId, batch] of batches) {
        try {
          const result = await this.telemetry.ingest({ farmId }, batch.readings);
          this.onResult(farmId, result.rejected);
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error);
        }
      }
    });
    return this.#flushing;
  }
}

export interface MqttIngestOptions {
  db: Database;
  devices: DevicesService;
  telemetry: TelemetryService;
  log: Logger;
  batchMs: number;
  anonymousFarm: string | undefined;
  count: (outcome: MqttOutcome, n?: number) => void;
}

/** How the embedded broker hands devices' messages to telemetry. */
export function telemetryBrokerHooks(options: MqttIngestOptions): BrokerHooks<MqttIdentity> & { commit: GroupCommit } {
  const { devices, telemetry, log, count } = options;
  const commit = new GroupCommit(telemetry, options.batchMs, (_farm, rejected) => {
    if (rejected > 0) count('dropped', rejected);
  });
  return {
    commit,
    async authenticate(username, password) {
      if (username === undefined || username === '') {
        if (!options.anonymousFarm) return undefined;
        const farm = await options.db.system((tx) => farmsRepository.findLive(tx, options.anonymousFarm!));
        return farm ? { farmId: farm.id, farmRefs: new Set([farm.id, farm.slug]), device: null } : undefined;
      }
      const device = await devices.authenticate(username, password ?? '');
      return device && { farmId: device.farmId, farmRefs: new Set([device.farmId, device.farmSlug]), device: device.label };
    },
    async publish(identity, topicName, payload) {
      const topic = parseTopic(topicName);
      const own = (device: string) => identity.device === null || identity.device === device;
      if (!topic || !own(topic.device) || (topic.kind === 'croft' && !identity.farmRefs.has(topic.farm))) {
        throw new Error(`not allowed to publish on ${topicName}`);
      }
      if (topic.kind === 'croft' && topic.channel !== 'telemetry') {
        // Heartbeats and command acknowledgements belong to the devices module.
        if (topic.channel === 'heartbeat' || topic.channel === 'commands/ack') return;
        throw new Error(`devices do not publish on ${topicName}`);
      }
      const parsed = topic.kind === 'beehive' ? readingsFromBeePayload(topic.device, payload) : readingsFromCroftPayload(topic.device, payload);
      if (!parsed.ok) {
        // Acknowledged and counted: a malformed message must not make the device resend it forever.
        count('malformed');
        log.debug({ topic: topicName, reason: parsed.reason }, 'MQTT message not readable');
        return;
      }
      await commit.add(identity.farmId, parsed.readings);
      count('stored');
    },
    maySubscribe(identity, filter) {
      const topic = parseTopic(filter);
      return topic?.kind === 'croft' && identity.farmRefs.has(topic.farm) && identity.device !== null && topic.device === identity.device
        && (topic.channel === 'commands' || topic.channel === 'config');
    },
  };
}
