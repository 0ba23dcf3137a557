import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import { sql } from 'kysely';
import * as tar from 'tar';
import { APP_ROLE, type Database, type Tx } from '../db/database.js';
import { readMigrations } from '../db/migration-files.js';
import { DomainError } from '../errors.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, migrationIdentity, type Manifest } from './backup.js';
import { canonicalSession, databaseChecksum, ident, readCanonical, type TableDigest } from './canonical.js';
import { isSealed, unseal } from './encryption.js';
import { readSchemaMap, type TableMap } from './schema-map.js';

/** Rows sent in one INSERT (one jsonb parameter), and at most this many bytes of row text. */
const BATCH_ROWS = 2_000;
const BATCH_BYTES = 4 * 1024 * 1024;

export interface OpenedBackup {
  manifest: Manifest;
  /** Where the archive was unpacked; the caller removes it. */
  dir: string;
}

/**
 * Unpacks `file` into `workDir` (new) and reads its manifest; refuses what is not a Croft backup. A sealed
 * backup is opened with `passphrase` first.
 */
export async function openBackup(file: string, workDir: string, passphrase?: string): Promise<OpenedBackup> {
  if (!fs.existsSync(file)) throw new DomainError('not_found', 'BACKUP_NOT_FOUND', `No backup at ${file}.`);
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  let archive = file;
  if (isSealed(file)) {
    archive = path.join(workDir, 'archive.tar');
    await unseal(file, archive, passphrase);
  }
  try {
    await tar.x({ file: archive, cwd: workDir, strict: true, preservePaths: false });
  } catch (error) {
    throw new DomainError(
      'invalid',
      'BACKUP_UNREADABLE',
      `${file} is not a Croft backup archive: ${(error as Error).message}`,
    );
  }
  if (archive !== file) fs.rmSync(archive, { force: true });
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(workDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new DomainError('invalid', 'BACKUP_UNREADABLE', `${file} has no readable manifest.json: not a Croft backup.`);
  }
  if (manifest.format !== BACKUP_FORMAT) {
    throw new DomainError(
      'invalid',
      'BACKUP_UNREADABLE',
      `${file} is not a Croft backup (format ${String(manifest.format)}).`,
    );
  }
  if (manifest.format_version > BACKUP_FORMAT_VERSION) {
    throw new DomainError(
      'conflict',
      'BACKUP_FROM_NEWER_CROFT',
      `${file} was written by Croft ${manifest.croft_version} in backup format ${manifest.format_version}; ` +
        `this Croft reads format ${BACKUP_FORMAT_VERSION}. Restore it with Croft ${manifest.croft_version} or newer.`,
    );
  }
  return { manifest, dir: workDir };
}

/**
 * The migration level the backup restores at: the number of migrations it had. Refuses a backup holding a
 * migration this code does not have (made by a newer Croft) or one whose text differs from this code's.
 */
export function backupLevel(manifest: Manifest): number {
  const known = readMigrations().map(migrationIdentity);
  manifest.migrations.forEach((identity, index) => {
    if (known[index] !== identity) {
      throw new DomainError(
        'conflict',
        'BACKUP_FROM_NEWER_CROFT',
        `The backup was made by Croft ${manifest.croft_version} with migration ${identity.split(' ')[0]}, ` +
          `which this Croft ${known[index] ? 'has in another form' : 'does not have'}. ` +
          `Restore it with Croft ${manifest.croft_version} or newer.`,
        { migration: identity.split(' ')[0] },
      );
    }
  });
  return manifest.migrations.length;
}

async function* linesOf(file: string): AsyncGenerator<string> {
  const lines = readline.createInterface({
    input: fs.createReadStream(file).pipe(createGunzip()),
    crlfDelay: Infinity,
  });
  for await (const line of lines) if (line !== '') yield line;
}

/**
 * A self-referencing table's rows (a place inside a place, a plant split from a plant) with every row
 * after the row it points at, so each insert finds its parent already there.
 */
function parentsFirst(lines: string[], table: TableMap): string[] {
  const keyOf = (row: Record<string, unknown>, columns: string[]) => {
    const values = columns.map((c) => row[c]);
    return values.some((v) => v === null || v === undefined) ? null : JSON.stringify(values);
  };
  const rows = lines.map((line) => ({ line, row: JSON.parse(line) as Record<string, unknown> }));
  const pending = new Set(rows);
  const placed = new Set<string>();
  const ordered: string[] = [];
  while (pending.size > 0) {
    const before = pending.size;
    for (const item of pending) {
      const ready = table.selfReferences.every((ref) => {
        const parent = keyOf(item.row, ref.columns);
        return parent === null || placed.has(`${ref.references.join()}=${parent}`);
      });
      if (!ready) continue;
      ordered.push(item.line);
      pending.delete(item);
      for (const ref of table.selfReferences) {
        const own = keyOf(item.row, ref.references);
        if (own !== null) placed.add(`${ref.references.join()}=${own}`);
      }
    }
    if (pending.size === before) {
      throw new Error(`${table.name}: ${pending.size} rows point at rows the backup does not hold, or at each other`);
    }
  }
  return ordered;
}

/**
 * A transaction as the connecting role (the tables' owner) in the system scope: the app role may not
 * write reference tables (location types, the catalogue's seeds), and row-level security, forced on
 * every table, still applies. Like the migration runner, a restore works on a database nobody uses yet.
 */
function asOwner<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.unscoped.transaction().execute(async (tx) => {
    await sql`select set_config('croft.scope', 'system', true)`.execute(tx);
    return fn(tx);
  });
}

async function insertBatch(db: Database, table: TableMap, lines: string[]): Promise<void> {
  const columns = table.columns.map((c) => ident(c.name)).join(', ');
  // A reference that closes a cycle between tables goes in empty; fillDeferred sets it after the load.
  const values = table.columns
    .map((c) => (table.deferred.includes(c.name) ? `null as ${ident(c.name)}` : ident(c.name)))
    .join(', ');
  const overriding = table.identityAlways ? ' overriding system value' : '';
  const into = sql.raw(`insert into ${ident(table.name)} (${columns})${overriding} select ${values}
    from jsonb_populate_recordset(null::${ident(table.name)}, `);
  await asOwner(db, (tx) => sql`${into}${`[${lines.join(',')}]`}::jsonb)`.execute(tx));
}

async function fillDeferred(db: Database, table: TableMap, lines: string[]): Promise<void> {
  if (!table.key) throw new Error(`${table.name}: a reference filled in after the load needs a primary key`);
  const set = table.deferred.map((c) => `${ident(c)} = x.${ident(c)}`).join(', ');
  const match = table.key.map((k) => `t.${ident(k)} = x.${ident(k)}`).join(' and ');
  const someSet = table.deferred.map((c) => `x.${ident(c)} is not null`).join(' or ');
  const update = sql.raw(`update ${ident(table.name)} t set ${set}
    from jsonb_populate_recordset(null::${ident(table.name)}, `);
  await db.system((tx) =>
    sql`${update}${`[${lines.join(',')}]`}::jsonb) x where ${sql.raw(`${match} and (${someSet})`)}`.execute(tx),
  );
}

async function inBatches(
  lines: AsyncIterable<string> | Iterable<string>,
  each: (batch: string[]) => Promise<void>,
): Promise<number> {
  let batch: string[] = [];
  let bytes = 0;
  let count = 0;
  for await (const line of lines) {
    batch.push(line);
    bytes += line.length;
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) {
      await each(batch);
      count += batch.length;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) {
    await each(batch);
    count += batch.length;
  }
  return count;
}

export interface RestoreReport {
  tables: number;
  rows: number;
  checksum: string;
  ms: number;
}

export interface RestoreOptions {
  /** Tables whose rows make a database someone's (users, farms): a target holding any is refused. */
  occupiedBy: string[];
}

/**
 * Loads an opened backup into `db`, migrated to the backup's level and holding no one's data: rows by
 * INSERT in the system scope, tables in load order, partitions made first, identities and sequences
 * moved past the largest value. The rows the migrations and seed files put in (the plant catalogue) are
 * replaced by the backup's. Then every table's rows are read back in canonical form and compared with
 * the manifest: a restore that does not match the backup fails.
 */
export async function restoreBackup(
  db: Database,
  opened: OpenedBackup,
  options: RestoreOptions,
): Promise<RestoreReport> {
  const started = performance.now();
  const { manifest, dir } = opened;
  const level = backupLevel(manifest);
  const { rows: applied } = await db.raw.executeSql(
    'select version, name, checksum from croft_migrations order by version',
  );
  if (applied.length !== level) {
    throw new Error(
      `the target is at migration ${applied.length}, the backup at ${level}: migrate the target to its level first`,
    );
  }
  for (const table of options.occupiedBy) {
    const { rows } = await db.system((tx) =>
      sql.raw<{ occupied: boolean }>(`select exists (select 1 from ${ident(table)}) as occupied`).execute(tx),
    );
    if (rows[0]?.occupied) {
      throw new DomainError(
        'conflict',
        'RESTORE_TARGET_NOT_EMPTY',
        `The target database already holds data (${table}): a backup is restored only into an empty data folder or an empty database.`,
        { table },
      );
    }
  }
  const map = await db.system((tx) => readSchemaMap(tx));
  const byName = new Map(map.tables.map((t) => [t.name, t]));
  const missing = manifest.tables.filter((t) => !byName.has(t.name)).map((t) => t.name);
  if (missing.length > 0)
    throw new Error(`the target has no table ${missing.join(', ')} at the backup's migration level`);

  // What migrations and seed files put in is replaced by the backup's rows; identities start again.
  await db.raw.executeSql(`truncate ${map.tables.map((t) => ident(t.name)).join(', ')} restart identity cascade`);
  for (const p of manifest.partitions) {
    await db.raw.executeSql(
      `create table if not exists ${ident(p.name)} partition of ${ident(p.parent)} ${p.bound}; revoke all on ${ident(p.name)} from ${APP_ROLE}`,
    );
  }

  let rows = 0;
  for (const entry of manifest.tables) {
    const table = byName.get(entry.name)!;
    const file = path.join(dir, entry.file);
    const insert = (batch: string[]) => insertBatch(db, table, batch);
    if (table.selfReferences.length > 0) {
      const all: string[] = [];
      for await (const line of linesOf(file)) all.push(line);
      rows += await inBatches(parentsFirst(all, table), insert);
    } else {
      rows += await inBatches(linesOf(file), insert);
    }
  }
  for (const entry of manifest.tables) {
    const table = byName.get(entry.name)!;
    if (table.deferred.length > 0)
      await inBatches(linesOf(path.join(dir, entry.file)), (batch) => fillDeferred(db, table, batch));
  }

  // Sequences past the largest value restored (read in the system scope: row-level security applies to
  // the owner too), so the next row gets a new number.
  await asOwner(db, async (tx) => {
    for (const t of map.tables) {
      for (const s of t.sequences) {
        await sql`select setval(${s.sequence}, coalesce((select max(${sql.ref(s.column)}) from ${sql.table(t.name)}), 0) + 1, false)`.execute(
          tx,
        );
      }
    }
  });

  const found = await tableDigests(db);
  const expected = Object.fromEntries(manifest.tables.map((t) => [t.name, t]));
  for (const [name, digest] of Object.entries(expected)) {
    const got = found[name];
    if (!got || got.rows !== digest.rows || got.sha256 !== digest.sha256) {
      throw new Error(
        `restored ${name} differs from the backup: ${got?.rows ?? 0} rows (backup ${digest.rows}), checksum ${got?.sha256.slice(0, 12) ?? '-'} (backup ${digest.sha256.slice(0, 12)})`,
      );
    }
  }
  const checksum = databaseChecksum(Object.fromEntries(Object.entries(found).filter(([name]) => name in expected)));
  if (checksum !== manifest.checksum) throw new Error('the restored database checksum differs from the backup');
  return { tables: manifest.tables.length, rows, checksum, ms: Math.round(performance.now() - started) };
}

/** Every table's row count and canonical checksum, read in one snapshot. */
export async function tableDigests(db: Database): Promise<Record<string, TableDigest>> {
  return db.snapshot(async (tx) => {
    await canonicalSession(tx);
    const map = await readSchemaMap(tx);
    const out: Record<string, TableDigest> = {};
    for (const table of map.tables) out[table.name] = await readCanonical(tx, table, () => {});
    return out;
  });
}
