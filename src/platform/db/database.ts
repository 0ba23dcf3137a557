import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openEmbeddedDatabase } from './embedded.js';
import { Mutex, PgliteDialect, runOnPglite } from './pglite-dialect.js';
import type { PGlite } from '@electric-sql/pglite';
import type { DB } from './schema.js';
import { pgTypes } from './types.js';

export type Backend = 'pglite' | 'postgres';

/** A transaction in one of the three scopes; repositories take it as their first argument. */
export type Tx = Transaction<DB>;

/** The role every scoped transaction works as, so row-level security applies even to a superuser. */
export const APP_ROLE = 'croft_app';

export type Scope =
  { kind: 'farm'; farmId: string; userId?: string | undefined } | { kind: 'user'; userId: string } | { kind: 'system' };

/** Plain SQL for pg-boss and the migration runner: several statements when there are no values. */
export interface RawExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * The only way to reach the database. Every transaction runs in a scope: `farm` (one farm's rows,
 * enforced by row-level security), `user` (the signed-in user's own rows across farms) or `system`
 * (narrow lookups with no caller yet: sign-in, token and credential lookups, jobs).
 */
export interface Database {
  readonly backend: Backend;
  farm<T>(farmId: string, fn: (tx: Tx) => Promise<T>, userId?: string): Promise<T>;
  user<T>(userId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  system<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** For the platform only (migrations, jobs, health): not scoped, runs as the connecting role. */
  readonly raw: RawExecutor;
  /** For the migration runner only. */
  readonly unscoped: Kysely<DB>;
  close(): Promise<void>;
}

function scopeSettings(scope: Scope): [string, string, string] {
  switch (scope.kind) {
    case 'farm':
      return ['farm', scope.farmId, scope.userId ?? ''];
    case 'user':
      return ['user', '', scope.userId];
    case 'system':
      return ['system', '', ''];
  }
}

interface ScopeOptions {
  log?: Logger | undefined;
  /** On the embedded database a transaction blocks every other caller: warn when one holds it this long. */
  slowTransactionMs?: number | undefined;
}

function createScopedDatabase(
  backend: Backend,
  kysely: Kysely<DB>,
  raw: RawExecutor,
  close: () => Promise<void>,
  options: ScopeOptions = {},
): Database {
  const inScope = <T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> =>
    kysely.transaction().execute(async (tx) => {
      const started = performance.now();
      const [kind, farmId, userId] = scopeSettings(scope);
      // One round trip: the role (so RLS applies) and the scope settings, all local to this transaction.
      await sql`select set_config('role', ${APP_ROLE}, true), set_config('croft.scope', ${kind}, true),
        set_config('croft.farm_id', ${farmId}, true), set_config('croft.user_id', ${userId}, true)`.execute(tx);
      const result = await fn(tx);
      const heldMs = performance.now() - started;
      if (options.slowTransactionMs !== undefined && heldMs > options.slowTransactionMs) {
        options.log?.warn(
          { heldMs: Math.round(heldMs), scope: kind },
          'a transaction held the embedded database too long: split the work',
        );
      }
      return result;
    });
  let closing: Promise<void> | undefined;
  return {
    backend,
    farm: (farmId, fn, userId) => inScope({ kind: 'farm', farmId, userId }, fn),
    user: (userId, fn) => inScope({ kind: 'user', userId }, fn),
    system: (fn) => inScope({ kind: 'system' }, fn),
    raw,
    unscoped: kysely,
    close: () => (closing ??= close()),
  };
}

/** Wraps an open PGlite; the caller decides what closing it means. */
export function databaseOnPglite(
  pglite: PGlite,
  close: () => Promise<void>,
  options: { log?: Logger; slowTransactionMs?: number } = {},
): Database {
  const mutex = new Mutex();
  const kysely = new Kysely<DB>({
    dialect: new PgliteDialect({ db: pglite, mutex }),
  });
  const raw: RawExecutor = {
    executeSql: (text, values = []) =>
      mutex.run(() => runOnPglite(pglite, text, values)) as ReturnType<RawExecutor['executeSql']>,
  };
  return createScopedDatabase(
    'pglite',
    kysely,
    raw,
    async () => {
      await kysely.destroy();
      await close();
    },
    options,
  );
}

/**
 * Connects to PostgreSQL through a pool of `poolSize` connections; each cancels a statement running
 * longer than `statementTimeoutMs` (0: never), so one runaway query cannot hold a connection for good.
 */
export function databaseOnPostgres(url: string, poolSize: number, log?: Logger, statementTimeoutMs = 0): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pgTypes,
    application_name: 'croft',
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  pool.on('error', (error) => log?.error({ err: error }, 'an idle database connection failed'));
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const raw: RawExecutor = {
    async executeSql(text, values) {
      const result = (await pool.query(text, values)) as pg.QueryResult | pg.QueryResult[];
      return { rows: Array.isArray(result) ? result.flatMap((r) => r.rows) : result.rows };
    },
  };
  return createScopedDatabase('postgres', kysely, raw, async () => {
    await kysely.destroy();
    // Kysely ends the pool only if it used it; the raw executor may have been its only user.
    if (!pool.ending) await pool.end();
  });
}

/** Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, else PGlite. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'slowTransactionMs' | 'statementTimeoutMs'>,
  log: Logger,
): Promise<Database> {
  if (config.databaseUrl)
    return databaseOnPostgres(config.databaseUrl, config.dbPoolSize, log, config.statementTimeoutMs);
  const embedded = await openEmbeddedDatabase(config.dataDir, log);
  return databaseOnPglite(embedded.pglite, embedded.close, { log, slowTransactionMs: config.slowTransactionMs });
}
