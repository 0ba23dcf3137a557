import { CompiledQuery } from 'kysely';
import PgBoss from 'pg-boss';
import type { Clock } from '../clock.js';
import type { Database, Tx } from '../db/database.js';
import { APP_ROLE } from '../db/database.js';
import type { Logger } from '../logger.js';
import { checkCronSpec, nextCronRun } from './cron.engine.js';
import {
  DEFAULT_RETRY,
  type JobDefinition,
  type JobName,
  type JobPayloads,
  type JobRegistry,
  type TickerDefinition,
} from './registry.js';

const SCHEMA = 'pgboss';

export interface JobOutcomeObserver {
  (name: string, outcome: 'completed' | 'failed', seconds: number): void;
}

export interface JobRunnerOptions {
  db: Database;
  registry: JobRegistry;
  clock: Clock;
  log: Logger;
  pollMs: number;
  cronTickMs: number;
  onOutcome?: JobOutcomeObserver;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  tx?: Tx;
  startAfterSeconds?: number;
  /** A second job with the same key is not queued while the first is waiting. */
  singletonKey?: string;
}

/** Plain SQL run on a Kysely transaction, for pg-boss statements that must share it. */
function executorOn(tx: Tx): PgBoss.Db {
  return {
    async executeSql(text, values) {
      const result = await tx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] };
    },
  };
}

/**
 * Background jobs on pg-boss in the same database, and Croft's own cron: the next firing of every
 * cron job is stored, claimed under a row lock by one process, and read from the injected clock.
 */
/**
 * Several processes starting together (API instances and workers) make the same queues and grants:
 * pg-boss attaches each queue's partition to its job table while another process grants on that table,
 * and PostgreSQL settles such races by failing one side (deadlock, duplicate, serialization, or
 * "tuple concurrently updated" on the catalogue row). Each step is idempotent, so it is tried again.
 */
async function startupRace<T>(step: () => Promise<T>): Promise<T> {
  const RETRIED = new Set(['40P01', '23505', '40001', 'XX000']);
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const race =
        code !== undefined &&
        RETRIED.has(code) &&
        (code !== 'XX000' || /concurrently updated/.test((error as Error).message));
      if (attempt >= 8 || !race) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 100 * attempt));
    }
  }
}

/** Advisory lock key for granting the queue tables to the app role. */
const GRANT_LOCK_KEY = 7262003;

export class JobRunner {
  #boss: PgBoss | undefined;
  readonly #options: JobRunnerOptions;
  #cronTimer: NodeJS.Timeout | undefined;
  #cronTicking: Promise<string[]> | undefined;
  #started = false;
  #working = false;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
  }

  get #queue(): PgBoss {
    if (!this.#boss) throw new Error('The job runner has not been started');
    return this.#boss;
  }

  get working(): boolean {
    return this.#working;
  }

  /** Prepares the queue so jobs can be sent; `work` also runs them and fires cron. */
  async start({ work }: { work: boolean }): Promise<void> {
    if (this.#started) return;
    for (const definition of this.#options.registry.list()) {
      if (definition.cron) checkCronSpec(definition.cron.expression, definition.cron.timeZone ?? 'UTC');
    }
    this.#boss = new PgBoss({
      db: this.#options.db.raw as PgBoss.Db,
      schema: SCHEMA,
      // Only a process that works jobs also expires, archives and deletes them.
      supervise: work,
      // pg-boss's cron has minute precision and reads the database clock; Croft's own is below.
      schedule: false,
    });
    this.#boss.on('error', (error) => this.#options.log.error({ err: error }, 'job queue error'));
    await this.#boss.start();
    this.#started = true;
    await this.#grantToAppRole();
    for (const definition of this.#options.registry.list()) await this.#createQueue(definition);
    if (!work) return;
    this.#working = true;
    for (const definition of this.#options.registry.list()) await this.#work(definition);
    await this.#registerCron();
    this.#cronTimer = setInterval(
      () => void this.tickCron().catch((error) => this.#options.log.error({ err: error }, 'cron tick failed')),
      this.#options.cronTickMs,
    );
    this.#cronTimer.unref();
    for (const ticker of this.#options.registry.tickers()) this.#startTicker(ticker);
  }

  #tickers: NodeJS.Timeout[] = [];
  #ticking = new Set<Promise<unknown>>();

  #startTicker(ticker: TickerDefinition): void {
    let running: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      if (running) return; // still busy with the previous round
      const round: Promise<unknown> = ticker
        .run()
        .catch((error: unknown) => this.#options.log.error({ err: error, ticker: ticker.name }, 'ticker failed'))
        .finally(() => {
          this.#ticking.delete(round);
          running = undefined;
        });
      running = round;
      this.#ticking.add(round);
    }, ticker.everyMs);
    timer.unref();
    this.#tickers.push(timer);
  }

  /** Queues a job; returns its id, or null when a singleton of the same key is already waiting. */
  async send<N extends JobName>(name: N, payload: JobPayloads[N], options: SendOptions = {}): Promise<string | null> {
    if (!this.#options.registry.get(name)) throw new Error(`Job "${name}" is not defined`);
    return this.#queue.send(name, payload as object, {
      ...(options.tx ? { db: executorOn(options.tx) } : {}),
      ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    });
  }

  /**
   * Fires every cron job whose stored next firing is due by the clock, once each, and stores the next
   * firing. A firing missed while no process ran happens once, at the next tick. Returns the names fired.
   */
  tickCron(): Promise<string[]> {
    // One tick at a time in this process; other processes are kept out by the row lock.
    this.#cronTicking ??= this.#fireDueCron().finally(() => (this.#cronTicking = undefined));
    return this.#cronTicking;
  }

  /** Stops taking jobs, lets running ones finish within `timeoutMs`, and stops cron. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#cronTimer) clearInterval(this.#cronTimer);
    for (const timer of this.#tickers.splice(0)) clearInterval(timer);
    await Promise.all([...this.#ticking]);
    await this.#cronTicking?.catch(() => []);
    if (!this.#started) return;
    this.#started = false;
    this.#working = false;
    await this.#queue.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
  }

  /** Jobs by queue and state, for metrics. */
  async countByState(): Promise<{ name: string; state: string; count: number }[]> {
    const { rows } = await this.#options.db.raw.executeSql(
      `select name, state::text as state, count(*)::int as count from ${SCHEMA}.job group by name, state`,
    );
    return rows as { name: string; state: string; count: number }[];
  }

  async #grantToAppRole(): Promise<void> {
    // Scoped transactions work as the app role; they may enqueue jobs (sent with `tx`). Processes
    // granting together take turns on a lock (the statements run as one implicit transaction holding it).
    await startupRace(() =>
      this.#options.db.raw.executeSql(`
      select pg_advisory_xact_lock(${GRANT_LOCK_KEY});
      grant usage on schema ${SCHEMA} to ${APP_ROLE};
      grant select, insert on ${SCHEMA}.job to ${APP_ROLE};
      grant select on ${SCHEMA}.queue to ${APP_ROLE};`),
    );
  }

  async #createQueue(definition: JobDefinition): Promise<void> {
    const retry = definition.retry ?? DEFAULT_RETRY;
    const queue = {
      name: definition.name,
      retryLimit: retry.limit,
      retryDelay: retry.delaySeconds,
      retryBackoff: retry.backoff,
      expireInSeconds: definition.timeoutSeconds ?? 15 * 60,
    };
    await startupRace(async () => {
      const existing = await this.#queue.getQueue(definition.name);
      if (existing) await this.#queue.updateQueue(definition.name, queue);
      else await this.#queue.createQueue(definition.name, queue);
    });
  }

  async #work(definition: JobDefinition): Promise<void> {
    const { clock, log, onOutcome } = this.#options;
    await this.#queue.work<JobPayloads[JobName]>(
      definition.name,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.#options.pollMs / 1000 },
      async (jobs) => {
        for (const job of jobs) {
          const started = performance.now();
          const jobLog = log.child({ job: definition.name, jobId: job.id, retry: job.retryCount });
          try {
            await definition.handle(job.data, { id: job.id, retryCount: job.retryCount, clock, log: jobLog });
            onOutcome?.(definition.name, 'completed', (performance.now() - started) / 1000);
          } catch (error) {
            jobLog.warn({ err: error }, 'job failed');
            onOutcome?.(definition.name, 'failed', (performance.now() - started) / 1000);
            throw error;
          }
        }
      },
    );
  }

  async #registerCron(): Promise<void> {
    const now = this.#options.clock.now();
    for (const definition of this.#options.registry.list()) {
      if (!definition.cron) continue;
      const { expression, timeZone = 'UTC' } = definition.cron;
      await this.#options.db.system(async (tx) => {
        const stored = await tx
          .selectFrom('croft_cron')
          .selectAll()
          .where('name', '=', definition.name)
          .forUpdate()
          .executeTakeFirst();
        if (stored && stored.expression === expression && stored.time_zone === timeZone) return;
        const next = nextCronRun(expression, timeZone, now);
        await tx
          .insertInto('croft_cron')
          .values({ name: definition.name, expression, time_zone: timeZone, next_run_at: next })
          .onConflict((oc) => oc.column('name').doUpdateSet({ expression, time_zone: timeZone, next_run_at: next }))
          .execute();
      });
    }
  }

  async #fireDueCron(): Promise<string[]> {
    const now = this.#options.clock.now();
    const fired: string[] = [];
    for (const definition of this.#options.registry.list()) {
      const cron = definition.cron;
      if (!cron) continue;
      const didFire = await this.#options.db.system(async (tx) => {
        const due = await tx
          .selectFrom('croft_cron')
          .select(['next_run_at'])
          .where('name', '=', definition.name)
          .where('next_run_at', '<=', now)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!due) return false;
        await this.#queue.send(definition.name, cron.payload as object, { db: executorOn(tx) });
        await tx
          .updateTable('croft_cron')
          .set({ last_run_at: now, next_run_at: nextCronRun(cron.expression, cron.timeZone ?? 'UTC', now) })
          .where('name', '=', definition.name)
          .execute();
        return true;
      });
      if (didFire) fired.push(definition.name);
    }
    return fired;
  }
}

/** For tests and tools that need to wait until a queue is empty. */
export async function pendingJobs(db: Database, name: string): Promise<number> {
  const { rows } = await db.raw.executeSql(
    `select count(*)::int as n from ${SCHEMA}.job where name = $1 and state in ('created', 'retry', 'active')`,
    [name],
  );
  return Number((rows[0] as { n: number } | undefined)?.n ?? 0);
}
