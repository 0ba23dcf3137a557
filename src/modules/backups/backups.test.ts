import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { startS3, type S3Server } from '../../../test/helpers/s3.js';
import { openBackup } from '../../platform/backup/restore.js';
import { testBackend } from '../../../test/helpers/database.js';
import { backupsRepository } from './backups.repository.js';

/**
 * Backups the server makes by itself: daily at a local time, each recorded, the oldest deleted past the
 * number kept, a failure told to the instance's admins; to a folder and to an S3-compatible bucket.
 */

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-backups-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A data folder of the test's own (never the checkout's `data`, which a developer's server may use). */
function dataDir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const archives = (folder: string) =>
  fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.tar'))
    .sort();

async function backupList(t: TestApp, who: Actor, query = '') {
  return t.app.inject({ method: 'GET', url: `/api/v1/instance/backups${query}`, headers: who.headers });
}

describe('daily backups to a folder', () => {
  let t: TestApp;
  let admin: Actor;
  let farm: FarmRef;
  let folder: string;

  beforeAll(async () => {
    folder = path.join(tmp, 'nightly');
    fs.mkdirSync(folder);
    t = await createTestApp({
      workJobs: true,
      now: '2026-12-01T12:00:00Z',
      env: {
        CROFT_DATA_DIR: dataDir('data-folder'),
        CROFT_BACKUP_TO: folder,
        CROFT_BACKUP_AT: '03:00',
        CROFT_BACKUP_TIME_ZONE: 'Europe/Berlin',
        CROFT_BACKUP_KEEP: '2',
      },
    });
    ({ admin, farm } = await setupAdmin(t.app));
  });
  afterAll(() => t?.close());

  it('runs at 03:00 in its zone (02:00 UTC in winter), writes a 0600 archive and records it', async () => {
    t.clock.set('2026-12-02T01:59:00Z');
    expect(await t.deps.jobs.tickCron()).not.toContain('backups.daily');
    t.clock.set('2026-12-02T02:00:00Z');
    expect(await t.deps.jobs.tickCron()).toContain('backups.daily');
    admin = await login(t.app, admin.email); // tokens live minutes: one for the moved clock
    let done: Json = {};
    await waitFor(async () => {
      const page = (await backupList(t, admin)).json() as Json;
      done = page.data.find((b: Json) => b.status === 'done');
      return done !== undefined;
    }, 60_000);
    expect(done).toMatchObject({ trigger: 'schedule', target: folder, sealed: false, error: null, pruned_at: null });
    // The test's data folder and backup folder share /tmp's disk: recorded (and logged) as such.
    expect(done.same_disk).toBe(true);
    expect(done.location).toBe(path.join(folder, 'croft-backup-20261202-020000.tar'));
    expect(fs.statSync(done.location).mode & 0o777).toBe(0o600);
    expect(done.bytes).toBe(fs.statSync(done.location).size);
    // The archive holds what the record says.
    const opened = await openBackup(done.location, path.join(tmp, 'opened-1'));
    expect(opened.manifest.checksum).toBe(done.checksum);
    expect(done.rows).toBe(opened.manifest.tables.reduce((sum, table) => sum + table.rows, 0));
    expect(opened.manifest.tables.find((table) => table.name === 'farms')?.rows).toBe(1);
  }, 90_000);

  it('keeps the newest CROFT_BACKUP_KEEP and deletes older ones, leaving `croft backup` archives alone', async () => {
    const mine = path.join(folder, 'by-hand.tar');
    t.clock.set('2026-12-02T09:00:00Z');
    await t.deps.services.backups.run('command', mine);
    for (const day of ['2026-12-03T02:00:00Z', '2026-12-04T02:00:00Z']) {
      t.clock.set(day);
      await t.deps.services.backups.scheduled();
    }
    admin = await login(t.app, admin.email);
    expect(archives(folder)).toEqual([
      'by-hand.tar',
      'croft-backup-20261203-020000.tar',
      'croft-backup-20261204-020000.tar',
    ]);
    const page = (await backupList(t, admin)).json() as Json;
    expect(page.data.map((b: Json) => [b.trigger, b.status, b.pruned_at !== null])).toEqual([
      ['schedule', 'done', false],
      ['schedule', 'done', false],
      ['command', 'done', false],
      ['schedule', 'done', true],
    ]);
    // Pages follow started_at.
    const first = (await backupList(t, admin, '?limit=2')).json() as Json;
    expect(first.data).toHaveLength(2);
    const second = (
      await backupList(t, admin, `?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`)
    ).json() as Json;
    expect(second.data.map((b: Json) => b.trigger)).toEqual(['command', 'schedule']);
  }, 120_000);

  it('is for instance admins only, and checks its query', async () => {
    admin = await login(t.app, admin.email); // the clock moved days on: a new token
    const farmAdmin = await member(t.app, admin, farm, 'admin', 'farm-admin');
    const refused = await backupList(t, farmAdmin);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error_code: 'FORBIDDEN' });
    expect((await backupList(t, admin, '?limit=0')).statusCode).toBe(400);
    expect((await backupList(t, admin, '?cursor=yesterday')).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/instance/backups' })).statusCode).toBe(401);
  });
});

describe('a scheduled backup that fails', () => {
  let t: TestApp;
  let admin: Actor;
  let farm: FarmRef;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    t = await createTestApp({
      logLines: lines,
      now: '2026-12-01T12:00:00Z',
      // The folder is gone (an unmounted disk): nothing is made in its place.
      env: { CROFT_DATA_DIR: dataDir('data-failing'), CROFT_BACKUP_TO: path.join(tmp, 'unmounted', 'backups') },
    });
    ({ admin, farm } = await setupAdmin(t.app));
  });
  afterAll(() => t?.close());

  it('is foretold at start: the folder is missing', () => {
    expect(lines.find((l) => l.msg === 'daily backups are on')).toMatchObject({ at: '03:00', keep: 30 });
    expect(lines.some((l) => String(l.msg).startsWith('the backup folder does not exist'))).toBe(true);
  });

  it('is recorded with its reason and told to every instance admin, not to other members', async () => {
    const farmAdmin = await member(t.app, admin, farm, 'admin', 'farm-admin');
    await expect(t.deps.services.backups.scheduled()).rejects.toThrow(/There is no folder/);
    const [failed] = ((await backupList(t, admin)).json() as Json).data;
    expect(failed).toMatchObject({ trigger: 'schedule', status: 'failed', location: null, checksum: null });
    expect(failed.error).toMatch(/There is no folder .*unmounted.backups/);
    expect(fs.existsSync(path.join(tmp, 'unmounted'))).toBe(false);

    const inbox = (who: Actor) =>
      t.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: who.headers }).then((r) => r.json() as Json);
    const told = (await inbox(admin)).data.filter((n: Json) => n.title === 'The scheduled backup failed');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ farm_id: null, severity: 'urgent' });
    expect(told[0].message).toContain(path.join(tmp, 'unmounted', 'backups'));
    expect((await inbox(farmAdmin)).data.filter((n: Json) => n.title === 'The scheduled backup failed')).toEqual([]);
  }, 60_000);
});

describe('a backup left running', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ now: '2026-12-01T12:00:00Z', env: { CROFT_DATA_DIR: dataDir('data-left') } });
  });
  afterAll(() => t?.close());

  it('is marked interrupted at start: every one on the embedded database, on PostgreSQL only those past the time limit', async () => {
    const row = (started: string) => ({
      trigger: 'schedule' as const,
      target: '/mnt/usb',
      location: null,
      started_at: new Date(started),
      finished_at: null,
      bytes: null,
      tables: null,
      rows: null,
      checksum: null,
      error: null,
      pruned_at: null,
    });
    const { db } = t.deps;
    const old = await db.system((tx) => backupsRepository.start(tx, row('2026-12-01T03:00:00Z')));
    const recent = await db.system((tx) => backupsRepository.start(tx, row('2026-12-01T11:55:00Z')));
    await t.deps.services.backups.prepare();
    const status = async (id: string) =>
      await db.system((tx) =>
        tx.selectFrom('instance_backups').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
      );
    expect(await status(old.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted/) });
    // Another instance of a PostgreSQL deployment may still be writing a recent one.
    expect((await status(recent.id)).status).toBe(testBackend() === 'postgres' ? 'running' : 'failed');
  });
});

describe('daily backups to an S3-compatible bucket (s3rver on loopback)', () => {
  let t: TestApp;
  let s3rver: S3Server;
  let client: S3Client;

  beforeAll(async () => {
    s3rver = await startS3(tmp, ['croft-backups']);
    client = new S3Client({
      endpoint: s3rver.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    // Photos stay on the local disk (no CROFT_S3_BUCKET): the connection serves the backup target alone.
    t = await createTestApp({
      now: '2026-12-01T12:00:00Z',
      env: {
        ...s3rver.env,
        CROFT_DATA_DIR: dataDir('data-s3'),
        CROFT_BACKUP_TO: 's3://croft-backups/farm-a/nightly',
        CROFT_BACKUP_KEEP: '1',
      },
    });
    await setupAdmin(t.app);
  });
  afterAll(async () => {
    await t?.close();
    client?.destroy();
    await s3rver?.close();
  });

  it('uploads each archive under the prefix, keeps the newest, and leaves no local copy', async () => {
    const first = await t.deps.services.backups.scheduled();
    t.clock.set('2026-12-02T12:00:00Z');
    const second = await t.deps.services.backups.scheduled();
    expect(second!.record.location).toBe('s3://croft-backups/farm-a/nightly/croft-backup-20261202-120000.tar');

    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'croft-backups' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['farm-a/nightly/croft-backup-20261202-120000.tar']);
    expect(listed.Contents?.[0]?.Size).toBe(Number(second!.record.bytes));
    expect(first!.record.location).toBe('s3://croft-backups/farm-a/nightly/croft-backup-20261201-120000.tar');
    expect(fs.readdirSync(path.join(tmp, 'data-s3')).filter((name) => name.endsWith('.tar'))).toEqual([]);

    // Downloaded, it opens and holds what the record says.
    const object = await client.send(
      new GetObjectCommand({ Bucket: 'croft-backups', Key: 'farm-a/nightly/croft-backup-20261202-120000.tar' }),
    );
    const file = path.join(tmp, 'downloaded.tar');
    fs.writeFileSync(file, await object.Body!.transformToByteArray());
    const opened = await openBackup(file, path.join(tmp, 'opened-s3'));
    expect(opened.manifest.checksum).toBe(second!.record.checksum);
  }, 120_000);
});
