import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  /**
   * System scope in one repeatable-read, read-only transaction: every statement sees the database as it
   * was at the first (a backup's consistent copy). On the embedded database it holds the only connection
   * to its end, so every other caller waits.
   */
  snapshot<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** For the platform only (migrations, jobs, health): not scoped, runs as the connecting role. */
  readonly raw: RawExecutor;
  /**
   * Transactions as the connecting role (the tables' owner), with no scope set: for the migration runner
   * and a backup's restore (which sets the system scope itself and writes reference tables the app role
   * may not). Never for requests or jobs.
   */
  readonly unscoped: Kysely<DB>;
  /**
   * Bulk load: `COPY table (columns) FROM STDIN` (text format: tab-separated fields, one row a line) on
   * this transaction's own connection, so the rows are seen, and dropped, with it. PostgreSQL refuses COPY
   * FROM into a table under row-level security: the target is a staging table (temporary, `on commit
   * drop`) that an INSERT … SELECT then moves under the policy. Not used by production code yet: measured
   * by `npm run bench:photos` (a) against the UNNEST insert. The rows copied.
   */
  copyInto(tx: Tx, table: string, columns: readonly string[], rows: string): Promise<number>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The COPY statement, for a temporary table only: COPY FROM bypasses nothing there (a session's temporary
 * table has no policy and no other reader), which holds however the statement is run.
 */
async function copyStatement(tx: Tx, table: string, columns: readonly string[], source: string): Promise<string> {
  for (const name of [table, ...columns]) if (!IDENTIFIER.test(name)) throw new Error(`not an identifier: ${name}`);
  const { rows } = await sql<{ persistence: string | null }>`
    select (select relpersistence from pg_class where oid = to_regclass(${table})) as persistence`.execute(tx);
  if (rows[0]?.persistence !== 't') throw new Error(`COPY goes into a temporary (staging) table only, not ${table}`);
  return `copy ${table} (${columns.join(', ')}) from ${source}`;
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
  copyInto: Database['copyInto'],
  close: () => Promise<void>,
  options: ScopeOptions = {},
): Database {
  const inScope = <T>(scope: Scope, fn: (tx: Tx) => Promise<T>, snapshot = false): Promise<T> =>
    (snapshot ? kysely.transaction().setIsolationLevel('repeatable read') : kysely.transaction()).execute(
      async (tx) => {
        if (snapshot) await sql`set transaction read only`.execute(tx);
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
      },
    );
  let closing: Promise<void> | undefined;
  return {
    backend,
    farm: (farmId, fn, userId) => inScope({ kind: 'farm', farmId, userId }, fn),
    user: (userId, fn) => inScope({ kind: 'user', userId }, fn),
    system: (fn) => inScope({ kind: 'system' }, fn),
    snapshot: (fn) => inScope({ kind: 'system' }, fn, true),
    raw,
    unscoped: kysely,
    copyInto,
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
  // The transaction holds the only connection (and the mutex): the COPY goes to PGlite directly, not
  // through `raw`. PGlite reads the rows from a Blob as the server-side file '/dev/blob', which only the
  // connecting (superuser) role may: that one statement runs as it, then the transaction's role is back.
  const copyInto: Database['copyInto'] = async (tx, table, columns, rows) => {
    const statement = await copyStatement(tx, table, columns, `'/dev/blob'`);
    const { rows: roles } = await sql<{ role: string }>`select current_user as role`.execute(tx);
    await sql`select set_config('role', 'none', true)`.execute(tx);
    const result = await pglite.query(statement, [], { blob: new Blob([rows]) });
    await sql`select set_config('role', ${roles[0]!.role}, true)`.execute(tx);
    return result.affectedRows ?? 0;
  };
  return createScopedDatabase(
    'pglite',
    kysely,
    raw,
    copyInto,
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
  // Kysely keeps a transaction's client to itself: the pool's clients are known here by their server
  // process id, which the transaction reports, so a COPY runs on the transaction's own client.
  const clients = new Map<number, pg.PoolClient>();
  pool.on('connect', (client) => {
    const pid = (client as pg.PoolClient & { processID: number }).processID;
    clients.set(pid, client);
    client.on('end', () => clients.delete(pid));
  });
  const copyInto: Database['copyInto'] = async (tx, table, columns, rows) => {
    const statement = await copyStatement(tx, table, columns, 'stdin');
    const { rows: pids } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
    const client = clients.get(pids[0]!.pid);
    if (!client) throw new Error('COPY: the transaction runs on no client of this pool (a pooler in between?)');
    const stream = client.query(copyFrom(statement));
    await pipeline(Readable.from([rows]), stream);
    return stream.rowCount;
  };
  return createScopedDatabase('postgres', kysely, raw, copyInto, async () => {
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
