import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../logger.js';
import { redactUrl } from '../live/redis-bus.js';

export interface BrokerClientStatus {
  state: 'connected' | 'reconnecting' | 'off';
  url: string;
  connections: number;
}

export interface BrokerClient {
  status: BrokerClientStatus;
  /** Publishes a message from the application (config, commands) through the external broker. */
  publish(topic: string, payload: string | Buffer, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  close(): Promise<void>;
}

export interface BrokerClientOptions {
  url: string;
  clientId: string;
  /** Shared-subscription group: each message goes to one member, so instances split the load. */
  group: string;
  /** Topic filters to receive (without the `$share/…/` prefix). */
  topics: string[];
  /**
   * Called for every message; the broker gets the QoS 1 acknowledgement only when this resolves, so
   * resolve once the message is stored. A rejection leaves it unacknowledged: the connection is
   * dropped and the broker delivers it again on reconnection.
   */
  handle(topic: string, payload: Buffer): Promise<void>;
  /**
   * Connections opened. MQTT.js handles one message at a time per connection (the next waits for the
   * previous one's acknowledgement), so several connections in the shared group let messages be
   * stored together.
   */
  connections: number;
  /** How long the broker keeps the session (and queues messages) while Croft is away. */
  sessionExpiryS: number;
  log: Logger;
  connectTimeoutMs?: number;
}

/**
 * Croft as a client of an external broker (Mosquitto, EMQX …): persistent sessions (a restart picks
 * up what was sent meanwhile), shared subscriptions, and acknowledgement only after storage.
 */
export async function startBrokerClient(options: BrokerClientOptions): Promise<BrokerClient> {
  const { log } = options;
  const status: BrokerClientStatus = { state: 'reconnecting', url: redactUrl(options.url), connections: 0 };
  const clients: MqttClient[] = [];
  const connected = new Set<MqttClient>();
  const update = () => {
    status.connections = connected.size;
    status.state = connected.size === clients.length && clients.length > 0 ? 'connected' : 'reconnecting';
  };

  const open = (index: number) =>
    new Promise<MqttClient>((resolve, reject) => {
      const client = mqtt.connect(options.url, {
        clientId: `${options.clientId}-${index}`,
        protocolVersion: 5,
        clean: false,
        properties: { sessionExpiryInterval: options.sessionExpiryS },
        reconnectPeriod: 2_000,
        connectTimeout: options.connectTimeoutMs ?? 10_000,
        customHandleAcks: (topic, message, _packet, done) => {
          options.handle(topic, message).then(
            () => done(0),
            (error: unknown) => {
              log.error({ err: error, topic }, 'MQTT message not stored: reconnecting so the broker sends it again');
              // Dropping the connection without an acknowledgement is what makes the broker redeliver.
              client.stream.destroy();
            },
          );
        },
      });
      clients.push(client);
      let first = true;
      client.on('connect', (connack) => {
        connected.add(client);
        update();
        const filters = options.topics.map((t) => `$share/${options.group}/${t}`);
        // A resumed session keeps its subscriptions; subscribing again is harmless and covers a lost session.
        client.subscribe(filters, { qos: 1 }, (error, granted) => {
          const refused = granted?.filter((g) => g.qos >= 128) ?? [];
          if (error || refused.length > 0) {
            const reason = error?.message ?? `refused: ${refused.map((g) => g.topic).join(', ')}`;
            log.error({ url: status.url, reason }, 'MQTT subscription failed');
            if (first) reject(new Error(`MQTT_URL: the broker refused Croft's subscriptions (${reason})`));
            return;
          }
          if (first) {
            first = false;
            log.debug(
              { clientId: client.options.clientId, sessionPresent: connack.sessionPresent },
              'MQTT client connected',
            );
            resolve(client);
          }
        });
      });
      client.on('close', () => {
        connected.delete(client);
        update();
      });
      client.on('error', (error) => {
        if (first) {
          first = false;
          client.end(true);
          reject(new Error(`MQTT_URL: cannot connect to ${status.url} (${error.message})`));
        } else log.warn({ err: error.message }, 'MQTT client error');
      });
      client.on('offline', () => {
        if (first) {
          first = false;
          client.end(true);
          reject(new Error(`MQTT_URL: cannot reach ${status.url}`));
        }
      });
    });

  try {
    await Promise.all(Array.from({ length: options.connections }, (_, i) => open(i)));
  } catch (error) {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    throw error;
  }
  log.info(
    { url: status.url, group: options.group, connections: clients.length },
    `MQTT client of ${status.url} (shared group ${options.group})`,
  );

  return {
    status,
    publish: async (topic, payload, publishOptions = {}) => {
      await clients[0]!.publishAsync(topic, payload, {
        qos: publishOptions.qos ?? 1,
        retain: publishOptions.retain ?? false,
      });
    },
    async close() {
      // A clean DISCONNECT keeps the sessions (clean: false), so messages sent while stopped wait for us.
      await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
      connected.clear();
      status.state = 'off';
      status.connections = 0;
    },
  };
}
