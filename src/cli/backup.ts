import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { DomainError } from '../platform/errors.js';
import { databaseOnPglite, databaseOnPostgres, type Database } from '../platform/db/database.js';
import { openEmbeddedDatabase } from '../platform/db/embedded.js';
import { migrate, readMigrations } from '../platform/db/migrate.js';
import type { Manifest } from '../platform/backup/backup.js';
import { backupInstance, backupTarget, photosDir } from '../platform/backup/instance.js';
import { askServing } from '../platform/control-socket.js';
import { deliver, localFile, onSameDisk, parseDestination } from '../platform/backup/destination.js';
import { backupLevel, openBackup, restoreBackup, type RestoreReport } from '../platform/backup/restore.js';

const BACKUP_USAGE = `Usage: croft backup [--to PATH | --to s3://bucket/prefix]
  Writes a backup of this Croft (its database and its photos kept on local disk) to PATH, a file
  (default: croft-backup-<date>-<time>.tar in the current folder) or an existing folder, or uploads it
  to an S3-compatible bucket reached with the CROFT_S3_* settings. The file
  holds secrets (the token signing key, webhook secrets, password hashes): it is written readable by
  its owner only.`;

const RESTORE_USAGE = `Usage: croft restore FILE
  Restores a backup into an empty data folder (CROFT_DATA_DIR) or, with DATABASE_URL, into an empty
  PostgreSQL database, then checks every table against the backup. Refuses a target holding data and
  a backup made by a newer Croft.`;

/** Tables whose rows make a database someone's: a restore target holding any is refused. */
const OCCUPIED_BY = ['users', 'farms'];

async function openForCli(config: Config, log: Logger, templateDir?: string): Promise<Database> {
  if (config.databaseUrl) return databaseOnPostgres(config.databaseUrl, 2, log);
  const embedded = await openEmbeddedDatabase(config.dataDir, log, templateDir);
  return databaseOnPglite(embedded.pglite, embedded.close, { log });
}

interface Written {
  location: string;
  bytes: number;
  manifest: Manifest;
}

function describe({ manifest, location, bytes }: Written): string {
  const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
  const files = manifest.files.map((f) => `${f.count} files in ${f.name}/`).join(', ');
  return `${location}: ${manifest.tables.length} tables, ${rows} rows${files ? `, ${files}` : ''}, ${(bytes / 1e6).toFixed(1)} MB (checksum ${manifest.checksum.slice(0, 16)}…)`;
}

/** A path as the person typed it: under `npm run croft -- …` npm runs in Croft's folder, not theirs. */
function fromCaller(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/** A backup on the disk of the data folder is lost with it: said, not refused (a USB stick may come later). */
function warnSameDisk(location: string, config: Config): void {
  if (config.databaseUrl || location.startsWith('s3://') || !onSameDisk(location, config.dataDir)) return;
  console.warn(
    'Warning: the backup is on the same disk as the data folder; a failure of that disk loses both. Copy it to another disk or machine.',
  );
}

/** `croft backup`: returns the exit code. */
export async function backupCommand(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(BACKUP_USAGE);
    return 0;
  }
  const to = values.to?.startsWith('s3://') ? values.to : backupTarget(values.to && fromCaller(values.to));
  const destination = parseDestination(to);
  if (!config.databaseUrl) {
    // The embedded database belongs to a running Croft, when there is one: it writes the backup.
    const answer = (await askServing(config.dataDir, '/backup', { to })) as Written | undefined;
    if (answer) {
      console.log(`Backup written by the running Croft: ${describe(answer)}`);
      warnSameDisk(answer.location, config);
      return 0;
    }
  }
  const db = await openForCli(config, log);
  try {
    await migrate(db, log);
    const file = localFile(destination, fs.existsSync(config.dataDir) ? config.dataDir : os.tmpdir());
    const manifest = await backupInstance(db, config, file, false);
    const bytes = fs.statSync(file).size;
    const written = { location: await deliver(file, destination, config.s3Connection), bytes, manifest };
    console.log(`Backup written: ${describe(written)}`);
    warnSameDisk(written.location, config);
    return 0;
  } finally {
    await db.close();
  }
}

/**
 * Restores `file` into the configured database (see RESTORE_USAGE): the target is brought to the
 * backup's migration level, loaded and checked, then migrated to this Croft's level.
 */
export async function restoreFile(file: string, config: Config, log: Logger): Promise<RestoreReport> {
  if (!config.databaseUrl && fs.existsSync(path.join(config.dataDir, 'pgdata'))) {
    throw new DomainError(
      'conflict',
      'RESTORE_TARGET_NOT_EMPTY',
      `The data folder ${config.dataDir} already holds a database: restore into a new, empty data folder (CROFT_DATA_DIR).`,
    );
  }
  if (fs.existsSync(photosDir(config)) && fs.readdirSync(photosDir(config)).length > 0) {
    throw new DomainError(
      'conflict',
      'RESTORE_TARGET_NOT_EMPTY',
      `${photosDir(config)} already holds photos: restore into a new, empty data folder.`,
    );
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const work = path.join(config.dataDir, `.restoring-${process.pid}`);
  let restored = false;
  try {
    const opened = await openBackup(file, work, config.backupPassphrase);
    const level = backupLevel(opened.manifest);
    const current = level === readMigrations().length;
    // The build's template is at this code's level; an older backup needs a database made at its own.
    const db = await openForCli(config, log, current ? undefined : path.join(work, 'no-template'));
    try {
      const { rows } = await db.raw
        .executeSql('select count(*)::int as n from croft_migrations')
        .catch(() => ({ rows: [{ n: 0 }] }));
      const at = Number((rows[0] as { n: number }).n);
      if (at > level) {
        throw new DomainError(
          'conflict',
          'RESTORE_TARGET_NOT_EMPTY',
          `The target database is already at migration ${at} and the backup at ${level}: restore into a new, empty database.`,
        );
      }
      await migrate(db, log, undefined, level);
      const report = await restoreBackup(db, opened, { occupiedBy: OCCUPIED_BY });
      await migrate(db, log);
      const photos = path.join(work, 'photos');
      if (fs.existsSync(photos)) fs.cpSync(photos, photosDir(config), { recursive: true });
      restored = true;
      return report;
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    // A restore that failed leaves no half-filled data folder behind (it was empty before).
    if (!restored && !config.databaseUrl) {
      fs.rmSync(path.join(config.dataDir, 'pgdata'), { recursive: true, force: true });
      fs.rmSync(photosDir(config), { recursive: true, force: true });
    }
  }
}

/** `croft restore FILE`: returns the exit code. */
export async function restoreCommand(args: string[], config: Config, log: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 1) {
    console.log(RESTORE_USAGE);
    return values.help ? 0 : 2;
  }
  const report = await restoreFile(fromCaller(positionals[0]!), config, log);
  console.log(
    `Restored ${report.tables} tables, ${report.rows} rows in ${(report.ms / 1000).toFixed(1)} s; every table matches the backup (checksum ${report.checksum.slice(0, 16)}…).`,
  );
  return 0;
}
