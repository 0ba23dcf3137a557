import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { postgisCore } from './postgis-bundle.js';
import type { Logger } from '../logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { restoreTemplate } from './template.js';
import { pgliteParsers } from './types.js';

const DB_FOLDER = 'pgdata';
const CREATING_PREFIX = 'pgdata.creating-';

export interface PgliteSource {
  /** A folder on disk; absent for an in-memory database. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from (tests restore a migrated template this way). */
  loadDataDir?: Blob;
}

/**
 * Postgres settings for the embedded database, after PGlite's own. One farm's working set is small, and
 * PGlite reads its files through the operating system's cache anyway: 16 MB of shared buffers instead of
 * Postgres's 128 MB keeps ~110 MB less resident, with no loss in bench:telemetry or bench:gps
 * (docs/memory.md has the figures). PGlite's options have no Postgres settings of their own; its start
 * parameters carry them.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB'];

/** Starts PGlite with PostGIS (Croft's bundle, see postgis-bundle.ts) and Croft's type parsers. */
export async function startPglite(source: PgliteSource = {}): Promise<PGlite> {
  const db = new PGlite({
    ...(source.dataDir ? { dataDir: source.dataDir } : {}),
    ...(source.loadDataDir ? { loadDataDir: source.loadDataDir } : {}),
    extensions: { postgis: postgisCore },
    parsers: pgliteParsers,
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
  });
  await db.waitReady;
  return db;
}

export interface EmbeddedDatabase {
  pglite: PGlite;
  /** Closes PGlite and gives up the data folder; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the embedded database in `<dataDir>/pgdata`, owning the folder for as long as it is open.
 * A new database is made in a temporary folder and renamed into place only when ready, so a first
 * start that is interrupted leaves nothing half-made behind. It is copied from the build's migrated
 * template (`templateDir`, default dist/) when that fits this PGlite, else created by initdb.
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  log: Logger,
  templateDir?: string,
): Promise<EmbeddedDatabase> {
  const dbDir = path.join(dataDir, DB_FOLDER);
  const lock = lockDataDir(dataDir, () => {
    fs.rmSync(path.join(dbDir, 'postmaster.pid'), { force: true });
    log.warn({ dataDir }, 'took over the data folder from a process that did not stop cleanly');
  });
  try {
    for (const entry of fs.readdirSync(dataDir)) {
      if (entry.startsWith(CREATING_PREFIX)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
    }
    if (!fs.existsSync(dbDir)) {
      const started = performance.now();
      log.info({ dataDir }, 'creating the embedded database (first start only)');
      const creating = path.join(dataDir, `${CREATING_PREFIX}${process.pid}`);
      // From the build's migrated template when there is one for this PGlite; else made here (initdb).
      const from = (await restoreTemplate(creating, templateDir)) ? 'template' : 'initdb';
      if (from === 'initdb') {
        const fresh = await startPglite({ dataDir: creating });
        await fresh.close();
      }
      fs.renameSync(creating, dbDir);
      log.info({ ms: Math.round(performance.now() - started), from }, 'embedded database created');
    }
    const pglite = await startPglite({ dataDir: dbDir });
    let closed = false;
    return {
      pglite,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
