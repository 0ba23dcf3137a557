import type { BrokerStatus, EmbeddedBroker } from './broker.js';
import type { BrokerClientStatus } from './client.js';

/** What carries Croft's messages to devices: the embedded broker, or the external one. */
export interface DeviceTransport {
  publish(topic: string, payload: string, options?: { retain?: boolean }): Promise<void>;
  /** Drops the device's MQTT connections (embedded broker only). */
  disconnect(farmId: string, label: string): void;
}

/** Where devices reach the MQTT broker. */
export interface MqttEndpoint {
  host: string;
  port: number | null;
  /** MQTT over TLS, when the embedded broker has a certificate. */
  tlsPort?: number | null;
  /** MQTT over WebSocket (`ws(s)://…/mqtt`), when the embedded broker serves it. */
  websocketUrl?: string | null;
}

const NO_TRANSPORT: DeviceTransport = { publish: async () => {}, disconnect: () => {} };

/**
 * How Croft reaches devices. Made once per process before the modules, which take it in their
 * constructors; MQTT attaches its transport when it starts and detaches it when it stops. Until then
 * (or without MQTT) publishing does nothing: commands wait in their queue and go out on reconnection.
 */
export class DeviceLink implements DeviceTransport {
  #transport: DeviceTransport = NO_TRANSPORT;
  #endpoint: MqttEndpoint = { host: 'localhost', port: null };

  /** Where devices reach the broker (shown with their credentials). */
  get endpoint(): MqttEndpoint {
    return this.#endpoint;
  }

  attach(transport: DeviceTransport, endpoint: MqttEndpoint): void {
    this.#transport = transport;
    this.#endpoint = endpoint;
  }

  /** Announces where devices reach a broker that does not carry Croft's messages (it stepped aside). */
  announce(endpoint: MqttEndpoint): void {
    this.#endpoint = endpoint;
  }

  detach(): void {
    this.#transport = NO_TRANSPORT;
  }

  publish(topic: string, payload: string, options?: { retain?: boolean }): Promise<void> {
    return this.#transport.publish(topic, payload, options);
  }

  disconnect(farmId: string, label: string): void {
    this.#transport.disconnect(farmId, label);
  }
}

/** MQTT as this process runs it, for the health check. */
export interface MqttState {
  status: BrokerStatus;
  broker?: EmbeddedBroker;
  client?: BrokerClientStatus;
}
