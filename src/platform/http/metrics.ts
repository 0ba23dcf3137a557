import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Type } from 'typebox';
import { unauthenticated } from '../errors.js';
import { sameSecret } from '../secrets.js';

export interface Metrics {
  registry: Registry;
  jobOutcome(name: string, outcome: 'completed' | 'failed', seconds: number): void;
  /** MQTT messages by outcome (stored, malformed, dropped readings). */
  mqttMessages(outcome: string, n?: number): void;
  /** A connection or packet the embedded broker refused or corrected, by reason. */
  mqttRefused(reason: string): void;
}

/** One registry per app (not prom-client's global one), so several apps in one process stay apart. */
export function createMetrics(jobCounts?: () => Promise<{ name: string; state: string; count: number }[]>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'croft_' });
  new Counter({
    name: 'croft_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  new Histogram({
    name: 'croft_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const jobsDone = new Counter({
    name: 'croft_jobs_finished_total',
    help: 'Job tries finished',
    labelNames: ['name', 'outcome'],
    registers: [registry],
  });
  const jobSeconds = new Histogram({
    name: 'croft_job_duration_seconds',
    help: 'Time a job try took',
    labelNames: ['name'],
    registers: [registry],
  });
  new Gauge({
    name: 'croft_jobs',
    help: 'Jobs in the queue by name and state',
    labelNames: ['name', 'state'],
    registers: [registry],
    async collect() {
      if (!jobCounts) return;
      this.reset();
      for (const row of await jobCounts().catch(() => [])) this.set({ name: row.name, state: row.state }, row.count);
    },
  });
  const mqtt = new Counter({
    name: 'croft_mqtt_messages_total',
    help: 'MQTT messages (and dropped readings) by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const mqttRefused = new Counter({
    name: 'croft_mqtt_refused_total',
    help: 'MQTT connections closed or refused, and retain flags cleared, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  return {
    registry,
    mqttMessages: (outcome, n = 1) => mqtt.inc({ outcome }, n),
    mqttRefused: (reason) => mqttRefused.inc({ reason }),
    jobOutcome(name, outcome, seconds) {
      jobsDone.inc({ name, outcome });
      jobSeconds.observe({ name }, seconds);
    },
  };
}

/** Counts and times every request, and serves `GET /metrics` in Prometheus text format. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const requests = metrics.registry.getSingleMetric('croft_http_requests_total') as Counter;
  const durations = metrics.registry.getSingleMetric('croft_http_request_duration_seconds') as Histogram;

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, so ids do not explode the label set.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        hide: true,
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (request, reply) => {
      if (token !== undefined) {
        const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
        if (!sameSecret(given, token))
          throw unauthenticated('Metrics need the bearer token set in CROFT_METRICS_TOKEN');
      }
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
