import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import type { JobRegistry } from '../platform/jobs/registry.js';

/**
 * A domain module as the platform sees it: its routes and its jobs. Each module lives in its own
 * folder (routes, schemas, service, engine, repository, jobs) and is listed here once.
 */
export interface CroftModule {
  name: string;
  routes?: FastifyPluginAsyncTypebox<{ deps: AppDeps }>;
  /** Adds the module's jobs (and cron schedules) before the job runner starts. */
  defineJobs?(registry: JobRegistry, deps: AppDeps): void;
}

export const modules: CroftModule[] = [];
