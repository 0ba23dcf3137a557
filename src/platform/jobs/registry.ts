import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

/**
 * Job name → payload type. Each module adds its jobs from its own room by declaration merging:
 *
 * ```ts
 * declare module '../../platform/jobs/registry.js' {
 *   interface JobPayloads { 'telemetry.rollup': { farmId: string; hour: string } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobPayloads {}

export type JobName = keyof JobPayloads & string;

export interface JobContext {
  id: string;
  /** 0 on the first try, 1 on the first retry … */
  retryCount: number;
  clock: Clock;
  log: Logger;
}

export interface RetryPolicy {
  /** Retries after the first try. */
  limit: number;
  /** Seconds before the first retry; doubled for each later one when `backoff`. */
  delaySeconds: number;
  backoff: boolean;
}

export interface CronSpec<P> {
  /** Five fields (minute precision) or six (seconds first). */
  expression: string;
  /** IANA zone the expression is read in; UTC when absent. */
  timeZone?: string;
  payload: P;
}

export interface JobDefinition<N extends JobName = JobName> {
  name: N;
  /** Must be idempotent: a job may run again after a crash or a timeout. */
  handle(payload: JobPayloads[N], context: JobContext): Promise<void>;
  retry?: RetryPolicy;
  /** A try still running after this long is failed (and retried). */
  timeoutSeconds?: number;
  cron?: CronSpec<JobPayloads[N]>;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 3, delaySeconds: 5, backoff: true };

/**
 * Work repeated every few seconds in each process that works jobs (finer than cron's minute, and
 * no queue round trip): sweeps whose every step is a conditional update, safe to run in several
 * processes at once.
 */
export interface TickerDefinition {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/** The jobs this process knows; modules add theirs at start-up, before the job runner starts. */
export class JobRegistry {
  readonly #jobs = new Map<string, JobDefinition>();
  readonly #tickers: TickerDefinition[] = [];

  tick(definition: TickerDefinition): this {
    this.#tickers.push(definition);
    return this;
  }

  tickers(): readonly TickerDefinition[] {
    return this.#tickers;
  }

  define<N extends JobName>(definition: JobDefinition<N>): this {
    if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(definition.name)) {
      throw new Error(`Job name "${definition.name}" must look like module.action (lower case, dots, dashes)`);
    }
    if (this.#jobs.has(definition.name)) throw new Error(`Job "${definition.name}" is defined twice`);
    this.#jobs.set(definition.name, definition as unknown as JobDefinition);
    return this;
  }

  get(name: string): JobDefinition | undefined {
    return this.#jobs.get(name);
  }

  list(): JobDefinition[] {
    return [...this.#jobs.values()];
  }
}
