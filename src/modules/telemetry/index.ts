import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { Hooks } from '../../platform/hooks.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { DevicesService } from '../devices/index.js';
import { brokerAuthRoutes } from './broker-auth.routes.js';
import { defineTelemetryJobs } from './telemetry.jobs.js';
import { telemetryRepository } from './telemetry.repository.js';
import { telemetryRoutes } from './telemetry.routes.js';
import { mqttWebSocketRoutes } from './mqtt.websocket.routes.js';
import type { MqttState } from '../../platform/mqtt/link.js';
import { TelemetryService } from './telemetry.service.js';

export type { TelemetryService } from './telemetry.service.js';
export { startMqtt, DEVICE_TOPICS, type MqttDeps } from './mqtt.start.js';
export { telemetryBrokerHooks } from './mqtt.ingest.js';
export {
  BeeTelemetryPayload,
  CommandAckPayload,
  CommandPayload,
  ConfigPayload,
  CroftTelemetryPayload,
  HeartbeatPayload,
} from './mqtt.schemas.js';
export { parseTopic, readingsFromBeePayload, readingsFromCroftPayload } from './mqtt.engine.js';

/** The weekly partitions of the readings table (made ahead by a job; tests and tools make them at will). */
export { ReadingPartitions } from './telemetry.repository.js';

/** Reads of readings that other modules make inside their own transaction. */
export const telemetryReads = {
  /** The newest reading of each of a device's metrics. */
  latest: telemetryRepository.latest,
  /** The newest reading of each series. */
  latestOfSeries: telemetryRepository.latestOfSeries,
  /** Series of a metric of the devices standing at some locations. */
  seriesAtLocations: telemetryRepository.seriesAtLocations,
  seriesOfDevice: telemetryRepository.seriesOfDevice,
  seriesById: telemetryRepository.seriesById,
  /** Daily rollups (farm-local days, with how many hours had readings). */
  dailyOf: telemetryRepository.dailyOf,
  /** Whether the farm's rollups before a time are still pending. */
  rollupPending: telemetryRepository.rollupPending,
};

const routes: FastifyPluginAsyncTypebox<{
  telemetry: TelemetryService;
  devices: DevicesService;
  config: Config;
  log: Logger;
  mqtt: MqttState;
}> = async (app, deps) => {
  await app.register(telemetryRoutes, deps);
  if (deps.config.mqttWebSocket) await app.register(mqttWebSocketRoutes, deps);
  // Only a broker Croft is a client of (MQTT_URL) calls these; without one they do not exist.
  if (deps.config.mqttUrl) {
    if (deps.config.brokerAuthToken === undefined)
      deps.log.warn(
        'The broker authentication endpoints (/api/v1/broker/…) answer anyone who reaches Croft: ' +
          'set CROFT_BROKER_AUTH_TOKEN, or keep them on a private network',
      );
    await app.register(brokerAuthRoutes, deps);
  }
};

/** Sensor readings over HTTP and MQTT: ingest, rollups, retention, queries, export. */
export const telemetryModule = defineModule({
  name: 'telemetry',
  create: (deps: {
    db: Database;
    clock: Clock;
    config: Config;
    log: Logger;
    live: LiveEvents;
    hooks: Hooks;
    devices: DevicesService;
    /** MQTT as this process runs it (the WebSocket route hands its sockets to the broker). */
    mqtt: MqttState;
  }) => ({
    telemetry: new TelemetryService(deps),
  }),
  routes,
  jobs: defineTelemetryJobs,
});
