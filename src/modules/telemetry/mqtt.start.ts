import type { AppDeps } from '../../app.js';
import { startBroker, type EmbeddedBroker } from '../../platform/mqtt/broker.js';
import { telemetryBrokerHooks } from './mqtt.ingest.js';

/**
 * Starts the embedded broker per CROFT_MQTT_PORT with telemetry behind it, and records its state in
 * `deps.mqtt` (health shows it). Returns a stop function that flushes pending messages first.
 */
export async function startEmbeddedMqtt(deps: AppDeps): Promise<() => Promise<void>> {
  const { config, services, log, db, metrics } = deps;
  if (config.mqttPort === 'off') return async () => {};
  const hooks = telemetryBrokerHooks({
    db, devices: services.devices, telemetry: services.telemetry, log: log.child({ component: 'mqtt' }), batchMs: config.mqttBatchMs,
    anonymousFarm: config.mqttAnonymous ? config.mqttAnonymousFarm : undefined,
    count: (outcome, n) => metrics.mqttMessages(outcome, n),
  });
  const broker: EmbeddedBroker = await startBroker({
    port: config.mqttPort, host: config.host, stepAsideIfTaken: !config.mqttPortChosen, hooks, log: log.child({ component: 'mqtt' }),
  });
  deps.mqtt.status = broker.status;
  deps.mqtt.broker = broker;
  services.devices.mqtt = { host: new URL(config.publicUrl).hostname, port: broker.status.port };
  return async () => {
    await hooks.commit.flush();
    await broker.close();
  };
}
