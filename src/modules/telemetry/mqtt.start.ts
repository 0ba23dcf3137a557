import { readFile } from 'node:fs/promises';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { Metrics } from '../../platform/http/metrics.js';
import type { Logger } from '../../platform/logger.js';
import type { DeviceLink, MqttState } from '../../platform/mqtt/link.js';
import type { CommandsService, DevicesService } from '../devices/index.js';
import type { TelemetryService } from './telemetry.service.js';
import { startBroker, type EmbeddedBroker } from '../../platform/mqtt/broker.js';
import { telemetryBrokerHooks } from './mqtt.ingest.js';

/** What Croft receives from devices through an external broker. */
export const DEVICE_TOPICS = [
  'croft/+/+/telemetry',
  'croft/+/+/heartbeat',
  'croft/+/+/commands/ack',
  'beehive/+/telemetry',
];

/**
 * Starts MQTT per the settings — the embedded broker on CROFT_MQTT_PORT, and/or a client of the
 * broker at MQTT_URL — with telemetry behind it, and records the state in `deps.mqtt` (health shows
 * it). Returns a stop function that stores pending messages first.
 */
export interface MqttDeps {
  config: Config;
  db: Database;
  log: Logger;
  metrics: Metrics;
  link: DeviceLink;
  /** Written as MQTT starts: the health check shows it. */
  mqtt: MqttState;
  services: { devices: DevicesService; commands: CommandsService; telemetry: TelemetryService };
}

export async function startMqtt(deps: MqttDeps): Promise<() => Promise<void>> {
  const { config, services, log, db, metrics, link } = deps;
  const mqttLog = log.child({ component: 'mqtt' });
  const hooks = telemetryBrokerHooks({
    db,
    devices: services.devices,
    commands: services.commands,
    telemetry: services.telemetry,
    log: mqttLog,
    batchMs: config.mqttBatchMs,
    anonymousFarm: config.mqttAnonymous ? config.mqttAnonymousFarm : undefined,
    count: (outcome, n) => metrics.mqttMessages(outcome, n),
  });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    link.detach();
    await hooks.commit.flush();
    for (const s of stops.reverse()) await s();
  };
  try {
    // With an external broker the embedded one runs only when a port is chosen explicitly.
    const embedded = config.mqttPort !== 'off' && (!config.mqttUrl || config.mqttPortChosen);
    if (embedded) {
      const broker: EmbeddedBroker = await startBroker({
        port: config.mqttPort as number,
        host: config.host,
        stepAsideIfTaken: !config.mqttPortChosen,
        hooks: { ...hooks, refused: (reason) => metrics.mqttRefused(reason) },
        limits: {
          maxPacketBytes: config.mqttMaxPacketBytes,
          connectionsPerAddress: config.mqttConnectionsPerAddress,
          connectsPerMinute: config.mqttConnectsPerMinute,
        },
        tls: config.mqttTls && (await readTls(config.mqttTls)),
        log: mqttLog,
      });
      stops.push(() => broker.close());
      deps.mqtt.status = broker.status;
      deps.mqtt.broker = broker;
      const publicUrl = new URL(config.publicUrl);
      const running = broker.status.state === 'running';
      const endpoint = {
        host: publicUrl.hostname,
        port: broker.status.port,
        tlsPort: broker.tlsPort,
        websocketUrl:
          running && config.mqttWebSocket
            ? `${publicUrl.protocol === 'https:' ? 'wss' : 'ws'}://${publicUrl.host}${publicUrl.pathname.replace(/\/$/, '')}/mqtt`
            : null,
      };
      if (broker.status.state === 'running') {
        link.attach(
          {
            publish: (topic, payload, options) =>
              broker.publish(topic, payload, { qos: 1, retain: options?.retain ?? false }),
            disconnect: (farmId, label) =>
              broker.disconnect((identity) => {
                const who = identity as { farmId?: string; device?: string | null };
                return who.farmId === farmId && who.device === label;
              }),
          },
          endpoint,
        );
      } else {
        link.announce(endpoint);
      }
    }
    if (config.mqttUrl) {
      // The MQTT client is loaded only for an external broker.
      const { startBrokerClient } = await import('../../platform/mqtt/client.js');
      const client = await startBrokerClient({
        url: config.mqttUrl,
        clientId: config.mqttClientId,
        group: config.mqttShareGroup,
        topics: DEVICE_TOPICS,
        connections: config.mqttClientConnections,
        sessionExpiryS: config.mqttSessionExpiryS,
        handle: (topic, payload) => hooks.external(topic, payload),
        log: mqttLog,
      });
      stops.push(() => client.close());
      deps.mqtt.client = client.status;
      // The external broker carries what Croft sends; it alone can drop a device's connection.
      const url = new URL(config.mqttUrl);
      link.attach(
        {
          publish: (topic, payload, options) =>
            client.publish(topic, payload, { qos: 1, retain: options?.retain ?? false }),
          disconnect: () => {},
        },
        { host: url.hostname, port: Number(url.port || 1883) },
      );
    }
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return stop;
}

/** The TLS listener's certificate (chain) and key, read from their PEM files with a clear error. */
async function readTls(settings: NonNullable<Config['mqttTls']>): Promise<{ port: number; cert: Buffer; key: Buffer }> {
  const read = async (file: string, setting: string) => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new Error(`${setting}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  return {
    port: settings.port,
    cert: await read(settings.certFile, 'CROFT_MQTT_TLS_CERT'),
    key: await read(settings.keyFile, 'CROFT_MQTT_TLS_KEY'),
  };
}
