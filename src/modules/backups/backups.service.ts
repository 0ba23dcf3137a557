import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import { forbidden } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { Caller } from '../../platform/tenancy/caller.js';
import type { Manifest } from '../../platform/backup/backup.js';
import { deliver, discard, localFile, onSameDisk, parseDestination } from '../../platform/backup/destination.js';
import type { NotificationsService } from '../alerts/index.js';
import { backupsRepository, type BackupRow } from './backups.repository.js';

/** The longest a backup may run (the daily job's timeout). */
export const BACKUP_TIME_LIMIT_S = 6 * 3600;

interface Deps {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  notifications: NotificationsService;
  /** Writes the instance's backup to a file (the database and the local photos). */
  write: (file: string) => Promise<Manifest>;
}

export interface BackupRun {
  record: BackupRow;
  manifest: Manifest;
}

/**
 * Backups made by the serving process: on its schedule (daily at CROFT_BACKUP_AT, keeping
 * CROFT_BACKUP_KEEP) and when `croft backup` asks it. Each is recorded; one runs at a time; a failed
 * scheduled backup is told to the instance's admins.
 */
export class BackupsService {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: Deps) {}

  /** Runs a backup to `to` (a path, or s3://bucket/prefix) after any one already running. */
  run(trigger: BackupRow['trigger'], to: string): Promise<BackupRun> {
    const next = this.#queue.then(() => this.#run(trigger, to));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #run(trigger: BackupRow['trigger'], to: string): Promise<BackupRun> {
    const { db, config, clock } = this.deps;
    const destination = parseDestination(to);
    const started = clock.now();
    const record = await db.system((tx) =>
      backupsRepository.start(tx, {
        trigger,
        target: to,
        location: null,
        started_at: started,
        finished_at: null,
        bytes: null,
        tables: null,
        rows: null,
        checksum: null,
        sealed: Boolean(config.backupPassphrase),
        error: null,
        pruned_at: null,
      }),
    );
    const file = localFile(destination, this.#scratch(), started, trigger === 'schedule');
    try {
      const manifest = await this.deps.write(file);
      const bytes = fs.statSync(file).size;
      const sameDisk = destination.kind === 'path' && onSameDisk(file, config.dataDir);
      const location = await deliver(file, destination, config.s3Connection);
      const done = await db.system((tx) =>
        backupsRepository.finish(tx, record.id, {
          status: 'done',
          location,
          finished_at: clock.now(),
          bytes,
          tables: manifest.tables.length,
          rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
          checksum: manifest.checksum,
          same_disk: sameDisk,
        }),
      );
      this.deps.log.info(
        { backupId: done.id, trigger, location, bytes, heldMs: manifest.held_ms, sameDisk },
        sameDisk ? 'backup written, on the data folder’s disk (a failure of that disk loses both)' : 'backup written',
      );
      if (trigger === 'schedule') await this.#prune(to);
      return { record: done, manifest };
    } catch (error) {
      fs.rmSync(file, { force: true });
      const message = error instanceof Error ? error.message : String(error);
      await db
        .system((tx) =>
          backupsRepository.finish(tx, record.id, { status: 'failed', error: message, finished_at: clock.now() }),
        )
        .catch((e: unknown) =>
          this.deps.log.error({ err: e, backupId: record.id }, 'recording a failed backup failed'),
        );
      this.deps.log.error({ err: error, backupId: record.id, trigger, target: to }, 'backup failed');
      throw error;
    }
  }

  /**
   * At start: a backup left running by a process that stopped (or by the copy a restore came from) is
   * marked interrupted — on the embedded database every one (this process is the only one), on
   * PostgreSQL those older than the job's time limit (another instance may be writing one). Then the
   * schedule is said, not found out at 03:00: a folder that is missing, and one on the data folder's disk
   * (a failure of that disk loses both).
   */
  async prepare(): Promise<void> {
    const { config, log, clock, db } = this.deps;
    const now = clock.now();
    const before = db.backend === 'postgres' ? new Date(now.getTime() - BACKUP_TIME_LIMIT_S * 1000) : undefined;
    await db.system((tx) =>
      backupsRepository.interrupt(
        tx,
        'interrupted: the server stopped, or this database was restored from a copy made while it ran',
        now,
        before,
      ),
    );
    const schedule = config.backupSchedule;
    if (!schedule) return;
    const at = { target: schedule.to, at: schedule.at, timeZone: schedule.timeZone, keep: schedule.keep };
    log.info(at, 'daily backups are on');
    const destination = parseDestination(schedule.to);
    if (destination.kind !== 'path') return;
    if (!fs.existsSync(destination.path))
      log.warn(at, 'the backup folder does not exist: the daily backup will fail until it does');
    else if (onSameDisk(path.join(destination.path, 'x'), config.dataDir))
      log.warn(
        at,
        'backups go to the data folder’s disk: a failure of that disk loses both; choose another disk or s3://',
      );
  }

  /** The day's backup; a failure is told to the instance's admins, then thrown (the job records it). */
  async scheduled(): Promise<BackupRun | undefined> {
    const schedule = this.deps.config.backupSchedule;
    if (!schedule) return undefined;
    try {
      return await this.run('schedule', schedule.to);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.deps.notifications.tellInstanceAdmins({
        title: 'The scheduled backup failed',
        message: `Croft could not write today’s backup to ${schedule.to}: ${reason}. Until one succeeds, the newest backup is older than a day.`,
        type: 'backup.failed',
        data: { target: schedule.to },
      });
      throw error;
    }
  }

  /** Deletes the schedule's archives past the number kept; a delete that fails is logged and tried next time. */
  async #prune(to: string): Promise<void> {
    const { db, config, clock, log } = this.deps;
    const keep = config.backupSchedule?.keep ?? Infinity;
    if (!Number.isFinite(keep)) return;
    const old = await db.system((tx) => backupsRepository.pastKeep(tx, to, keep));
    for (const backup of old) {
      try {
        if (backup.location) await discard(backup.location, config.s3Connection);
        await db.system((tx) => backupsRepository.pruned(tx, backup.id, clock.now()));
        log.info({ backupId: backup.id, location: backup.location }, 'old backup deleted (past CROFT_BACKUP_KEEP)');
      } catch (error) {
        log.warn({ err: error, backupId: backup.id, location: backup.location }, 'deleting an old backup failed');
      }
    }
  }

  /** Where an archive bound for S3 is written first: the data folder (a disk with room), else the temp folder. */
  #scratch(): string {
    return fs.existsSync(this.deps.config.dataDir) ? this.deps.config.dataDir : os.tmpdir();
  }

  /** The instance's backups, newest first (instance admins only). */
  async list(caller: Caller, limit: number, before?: Date): Promise<BackupRow[]> {
    if (caller.kind !== 'user' || !caller.isInstanceAdmin) throw forbidden('Only an instance admin can see backups');
    return this.deps.db.system((tx) => backupsRepository.recent(tx, limit, before));
  }
}
