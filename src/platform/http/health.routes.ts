import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { JobRunner } from '../jobs/runner.js';
import type { LiveBus } from '../live/bus.js';
import type { Logger } from '../logger.js';
import type { MqttState } from '../mqtt/link.js';
import { unavailable } from '../errors.js';

const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
  jobs: Type.Union([Type.Literal('running'), Type.Literal('off')], {
    description: 'Whether this process works background jobs',
  }),
  uptime_seconds: Type.Number(),
  mqtt: Type.Object({
    state: Type.Union([Type.Literal('running'), Type.Literal('off'), Type.Literal('port_taken')], {
      description: 'port_taken: another broker holds the default port, so Croft runs without its own',
    }),
    port: Type.Union([Type.Integer(), Type.Null()]),
    external: Type.Union(
      [
        Type.Object({
          state: Type.Union([Type.Literal('connected'), Type.Literal('reconnecting'), Type.Literal('off')]),
          url: Type.String({ description: "MQTT_URL without its user and password (the broker's superuser)" }),
          connections: Type.Integer({ description: 'Connections up (of CROFT_MQTT_CLIENT_CONNECTIONS)' }),
        }),
        Type.Null(),
      ],
      { description: 'Croft as a client of the broker at MQTT_URL; null when not set' },
    ),
  }),
  live: Type.Union([Type.Literal('memory'), Type.Literal('redis')], {
    description: 'How live events reach other instances',
  }),
  time: Type.String({ format: 'date-time', description: "The server clock's now" }),
});

/** A broker's URL as health shows it: no user (Croft's own, the broker's superuser) and no password. */
export function withoutUser(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** `GET /api/v1/health`: 200 only while the database answers. */
export interface HealthDeps {
  db: Database;
  log: Logger;
  clock: Clock;
  jobs: JobRunner;
  bus: LiveBus;
  mqtt: MqttState;
  version: string;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthDeps> = async (app, deps) => {
  const started = performance.now();
  app.get(
    '/api/v1/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Is this Croft up and is its database answering?',
        security: [],
        response: { 200: Health },
      },
    },
    async () => {
      try {
        await deps.db.raw.executeSql('select 1');
      } catch (error) {
        deps.log.error({ err: error }, 'health check: the database does not answer');
        throw unavailable('DATABASE_UNAVAILABLE', 'The database does not answer');
      }
      return {
        status: 'ok' as const,
        version: deps.version,
        database: deps.db.backend,
        jobs: deps.jobs.working ? ('running' as const) : ('off' as const),
        uptime_seconds: Math.round((performance.now() - started) / 1000),
        mqtt: {
          state: deps.mqtt.status.state,
          port: deps.mqtt.status.port,
          external: deps.mqtt.client ? { ...deps.mqtt.client, url: withoutUser(deps.mqtt.client.url) } : null,
        },
        live: deps.bus.kind,
        time: deps.clock.now().toISOString(),
      };
    },
  );
};
