import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { VERSION } from '../version.js';
import { backupFileName, localFile } from './destination.js';
import { backupEmbedded, writeBackup, type BackupOptions, type Manifest } from './backup.js';

/** What an instance's backup holds beside its database, by its settings. */

/** Photos kept on the local disk (no S3 bucket set): the archive carries them. */
export const photosDir = (config: Config) => path.join(config.dataDir, 'photos');

/** Where the archive goes: a file named, or a new file in a folder named (or in the current folder). */
export function backupTarget(to: string | undefined, now = new Date()): string {
  return to ? localFile({ kind: 'path', path: path.resolve(to) }, '', now) : path.resolve(backupFileName(now));
}

/**
 * Backs up the database `db` (open and migrated) with the photos of `config`: the embedded database from a
 * copy of its folder while it serves (`live`: a pause of the copy's length, not the export's), PostgreSQL
 * and a stopped embedded database in one transaction.
 */
export async function backupInstance(db: Database, config: Config, file: string, live = true): Promise<Manifest> {
  const options: BackupOptions = {
    file,
    croftVersion: VERSION,
    passphrase: config.backupPassphrase,
    folders: config.s3 ? {} : { photos: photosDir(config) },
    references: config.s3 ? { photos: { s3: { bucket: config.s3.bucket, endpoint: config.s3.endpoint } } } : {},
  };
  const pgdata = path.join(config.dataDir, 'pgdata');
  // Nobody else waits for a database the command line opened itself (the server is stopped); an
  // in-memory one (tests) has no folder to copy.
  if (db.backend === 'postgres' || !live || !fs.existsSync(pgdata)) return writeBackup(db, options);
  return backupEmbedded(db, pgdata, options);
}
