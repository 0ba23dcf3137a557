import type { PGlite, Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { prepareParameter } from './types.js';

/** A first-come first-served lock: PGlite has one connection, so its users take turns. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Runs one statement, or a script when there are no parameters (as node-postgres's simple query
 * protocol does), and returns the rows of every statement in order.
 */
export async function runOnPglite(db: PGlite, sql: string, parameters: readonly unknown[]): Promise<Results> {
  if (parameters.length === 0) {
    const results = await db.exec(sql);
    const last = results[results.length - 1];
    return {
      rows: results.flatMap((r) => r.rows),
      fields: last?.fields ?? [],
      affectedRows: results.reduce((sum, r) => sum + (r.affectedRows ?? 0), 0),
    };
  }
  return db.query(sql, parameters.map(prepareParameter));
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly db: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await runOnPglite(this.db, query.sql, query.parameters);
    return {
      rows: result.rows as R[],
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported on the embedded database; page through results instead');
  }
}

export interface PgliteDialectOptions {
  db: PGlite;
  mutex: Mutex;
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(private readonly options: PgliteDialectOptions) {
    this.#connection = new PgliteConnection(options.db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.options.mutex.acquire();
    // One connection object, handed to one holder at a time.
    this.#releases.set(this.#connection, release);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(connection);
    if (!release) return;
    this.#releases.delete(connection);
    release();
  }

  async destroy(): Promise<void> {}
}

/** Kysely over an in-process PGlite: PostgreSQL's SQL, one connection shared by turns. */
export class PgliteDialect implements Dialect {
  constructor(private readonly options: PgliteDialectOptions) {}

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PgliteDriver(this.options);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
