import type { Redis } from 'ioredis';
import type { Services } from './modules/index.js';
import type { Metrics } from './platform/http/metrics.js';
import type { ModuleBase } from './platform/module.js';

/** What the app, the jobs and MQTT are built from; tests pass their own (a manual clock, a per-file database). */
export interface AppDeps extends ModuleBase {
  metrics: Metrics;
  services: Services;
  /** The Redis connection, when REDIS_URL is set (shared rate limits). */
  redis: Redis | undefined;
  version: string;
}
