import fs from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { databaseOnPglite, type Backend, type Database } from '../db/database.js';
import { startPglite } from '../db/embedded.js';
import { canonicalSession, databaseChecksum, readCanonical, type TableDigest } from './canonical.js';
import { DomainError } from '../errors.js';
import { seal } from './encryption.js';
import { readSchemaMap, type Partition } from './schema-map.js';

/**
 * Croft's own logical backup: one tar archive holding `manifest.json`, each table's rows as gzip-compressed
 * JSON Lines in load order (`tables/NNN_<table>.jsonl.gz`, one canonical row a line: see canonical.ts) and
 * the folders of files the instance keeps beside its database (photos). pg_dump cannot serve: PGlite is
 * PostgreSQL 18, whose dump does not load into PostgreSQL 15, and COPY FROM is refused under row-level
 * security. The archive holds secrets (the token signing key, webhook secrets, password and key hashes):
 * it is written with mode 0600.
 */

export const BACKUP_FORMAT = 'croft-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupTable extends TableDigest {
  name: string;
  /** Its member in the archive. */
  file: string;
}

export interface BackupFiles {
  /** The archive's folder for them (`photos`). */
  name: string;
  count: number;
  bytes: number;
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  format_version: number;
  croft_version: string;
  created_at: string;
  database: Backend;
  /** The migrations applied to the database backed up, as `NNNN_name sha256` (the level it restores at). */
  migrations: string[];
  /** In load order (parents first). */
  tables: BackupTable[];
  partitions: Partition[];
  /** Over every table's name, row count and checksum: the same on PGlite and PostgreSQL for the same rows. */
  checksum: string;
  files: BackupFiles[];
  /** What the archive does not hold but names (photos kept in S3: their bucket and prefix). */
  references: Record<string, unknown>;
  /** How long the live database was held (every other caller waiting) for a consistent copy, in ms. */
  held_ms: number;
  /** How the copy was made consistent: one repeatable-read transaction, or a copy of the embedded folder. */
  consistency: 'transaction' | 'folder-copy';
}

export const migrationIdentity = (m: { version: number; name: string; checksum: string }) =>
  `${String(m.version).padStart(4, '0')}_${m.name} ${m.checksum}`;

export interface BackupOptions {
  /** The archive to write; written beside as `<file>.partial` and renamed when complete. */
  file: string;
  croftVersion: string;
  /** Folders copied into the archive by name (photos kept on the local disk). */
  folders?: Record<string, string>;
  references?: Record<string, unknown>;
  /** Seal the archive with this passphrase (encryption.ts). */
  passphrase?: string | undefined;
  /** Set when `db` is a copy of the live database: how long the live one was held to make it. */
  held?: { ms: number; consistency: Manifest['consistency'] };
}

async function writeLines(gzip: ReturnType<typeof createGzip>, lines: string[]): Promise<void> {
  if (!gzip.write(`${lines.join('\n')}\n`)) await once(gzip, 'drain');
}

export function folderSize(dir: string): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  if (!fs.existsSync(dir)) return { count, bytes };
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    count++;
    bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { count, bytes };
}

/**
 * Writes a backup of `db` to `options.file`. The rows are read in one repeatable-read transaction (a
 * consistent copy of the whole database at one moment). On the embedded database that transaction would
 * hold the only connection until every row is written (requests and ingest waiting): a running embedded
 * database is backed up from a copy of its folder instead (backupEmbedded).
 */
export async function writeBackup(db: Database, options: BackupOptions): Promise<Manifest> {
  const target = path.resolve(options.file);
  // A mistyped folder is said, not made: a backup landing somewhere nobody looks is no backup.
  if (!fs.existsSync(path.dirname(target))) {
    throw new DomainError(
      'invalid',
      'BACKUP_FOLDER_MISSING',
      `There is no folder ${path.dirname(target)} to write the backup in.`,
    );
  }
  const staging = `${target}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'tables'), { recursive: true, mode: 0o700 });
  try {
    // Read before the snapshot (the embedded database's one connection is the snapshot's until it ends);
    // migrations do not change under a running Croft.
    const { rows: applied } = await db.raw.executeSql(
      'select version, name, checksum from croft_migrations order by version',
    );
    const started = performance.now();
    const { tables, partitions } = await db.snapshot(async (tx) => {
      await canonicalSession(tx);
      const map = await readSchemaMap(tx);
      const written: BackupTable[] = [];
      for (const [index, table] of map.tables.entries()) {
        const file = `tables/${String(index + 1).padStart(3, '0')}_${table.name}.jsonl.gz`;
        const gzip = createGzip();
        const stored = pipeline(gzip, fs.createWriteStream(path.join(staging, file), { mode: 0o600 }));
        try {
          const digest = await readCanonical(tx, table, (lines) => writeLines(gzip, lines));
          gzip.end();
          await stored;
          written.push({ name: table.name, file, ...digest });
        } catch (error) {
          gzip.destroy();
          await stored.catch(() => {});
          throw error;
        }
      }
      return { tables: written, partitions: map.partitions };
    });
    const snapshotMs = Math.round(performance.now() - started);
    const files: BackupFiles[] = [];
    for (const [name, dir] of Object.entries(options.folders ?? {})) {
      files.push({ name, ...folderSize(dir) });
      if (fs.existsSync(dir)) fs.symlinkSync(path.resolve(dir), path.join(staging, name));
    }
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      format_version: BACKUP_FORMAT_VERSION,
      croft_version: options.croftVersion,
      created_at: new Date().toISOString(),
      database: db.backend,
      migrations: (applied as { version: number; name: string; checksum: string }[]).map((m) => migrationIdentity(m)),
      tables,
      partitions,
      checksum: databaseChecksum(Object.fromEntries(tables.map((t) => [t.name, t]))),
      files,
      references: options.references ?? {},
      held_ms: options.held?.ms ?? snapshotMs,
      consistency: options.held?.consistency ?? 'transaction',
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const partial = `${target}.partial`;
    // Made 0600 before tar writes into it: the archive is never readable by others, not even for a moment.
    fs.writeFileSync(partial, '', { mode: 0o600 });
    const members = [
      'manifest.json',
      'tables',
      ...files.filter((f) => fs.existsSync(path.join(staging, f.name))).map((f) => f.name),
    ];
    await tar.c({ file: partial, cwd: staging, portable: true, follow: true }, members);
    if (options.passphrase) {
      const sealed = `${target}.sealing`;
      try {
        await seal(partial, sealed, options.passphrase);
      } finally {
        fs.rmSync(partial, { force: true });
      }
      fs.renameSync(sealed, target);
    } else {
      fs.renameSync(partial, target);
    }
    return manifest;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Backs up a running embedded database without holding it for the whole export: a checkpoint, then its
 * folder copied while a transaction holds the one connection (nothing writes during the copy: the copy
 * is the database at that moment, as after a clean stop), then the rows exported from a second PGlite
 * opened on the copy while the live one serves on. The pause requests and ingest see is the folder copy
 * (`held_ms`); the copy needs as much free disk as the database beside it, and is removed after.
 */
/** A database on a copied data folder: no lock, the copy is the backup's alone. */
export async function openCopy(folder: string): Promise<Database> {
  const pglite = await startPglite({ dataDir: folder });
  return databaseOnPglite(pglite, () => pglite.close());
}

export async function backupEmbedded(
  db: Database,
  pgdata: string,
  options: BackupOptions,
  open: (folder: string) => Promise<Database> = openCopy,
): Promise<Manifest> {
  const copy = `${pgdata}.backup-${process.pid}`;
  await fs.promises.rm(copy, { recursive: true, force: true });
  try {
    await db.raw.executeSql('checkpoint');
    const started = performance.now();
    await db.system(() => fs.promises.cp(pgdata, copy, { recursive: true }));
    const heldMs = Math.round(performance.now() - started);
    await fs.promises.rm(path.join(copy, 'postmaster.pid'), { force: true });
    const snapshot = await open(copy);
    try {
      return await writeBackup(snapshot, { ...options, held: { ms: heldMs, consistency: 'folder-copy' } });
    } finally {
      await snapshot.close();
    }
  } finally {
    await fs.promises.rm(copy, { recursive: true, force: true });
  }
}
