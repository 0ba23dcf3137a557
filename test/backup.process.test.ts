/**
 * `croft backup` and `croft restore` as a farmer runs them: a backup of a running Croft on the embedded
 * database (the serving process writes it, asked through the data folder's socket), restored into a new
 * data folder and served again; a target holding data refused; and, where PostgreSQL runs, the move from
 * the embedded database to PostgreSQL and back with the three commands the README shows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { testBackend } from './helpers/database.js';
import { createEmptyDatabase } from './helpers/postgres.js';
import { startS3 } from './helpers/s3.js';
import { spawnCroft, type CroftProcess } from './helpers/process.js';

const MAIN = 'src/main.ts';
const started: CroftProcess[] = [];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-bk-'));
const drops: Array<() => Promise<void>> = [];

function croft(args: string[], env: Record<string, string>): CroftProcess {
  const p = spawnCroft(MAIN, args, { CROFT_AUTH: 'none', CROFT_MQTT_PORT: 'off', ...env });
  started.push(p);
  return p;
}

async function finished(p: CroftProcess): Promise<string> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`exited ${code}:\n${p.output()}`);
  return p.output();
}

async function stop(p: CroftProcess): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

const api = (url: string) => `${url}/api/v1/farms/my-farm`;
const headers = { 'content-type': 'application/json', 'x-requested-with': 'test' };

async function places(url: string): Promise<string[]> {
  const res = await fetch(`${api(url)}/locations`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { name: string }[] }).data.map((l) => l.name).sort();
}

async function emptyPostgres(): Promise<string> {
  const created = await createEmptyDatabase((inject('template') as { url: string }).url, 'croft_move_');
  drops.push(created.drop);
  return created.url;
}

const closeAfter: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const close of closeAfter) await close();
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  for (const drop of drops) await drop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('croft backup and croft restore', () => {
  it(
    'backs up a running Croft, restores it into a new data folder that serves the same farm, and refuses a folder holding data',
    { timeout: 240_000 },
    async () => {
      // An S3-compatible store on loopback for `--to s3://…`; the server's own settings reach it.
      const store = await startS3(root, ['croft-backups']);
      closeAfter.push(() => store.close());
      const s3 = { ...store.env, CROFT_BACKUP_TO: 's3://croft-backups/nightly' };
      const first = path.join(root, 'first');
      const server = croft(['serve'], { CROFT_DATA_DIR: first, ...s3 });
      const url = await server.url();
      for (const name of ['Shadehouse', 'North bed', 'Apiary']) {
        const res = await fetch(`${api(url)}/locations`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name, type: 'field' }),
        });
        expect(res.status).toBe(201);
      }
      const expected = await places(url);

      const file = path.join(root, 'farm.tar');
      const backup = await finished(croft(['backup', '--to', file], { CROFT_DATA_DIR: first }));
      expect(backup).toContain('Backup written by the running Croft');
      expect(backup).toContain('Warning: the backup is on the same disk as the data folder');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      // The server went on serving while and after it wrote the backup.
      expect(await places(url)).toEqual(expected);
      const uploaded = await finished(
        croft(['backup', '--to', 's3://croft-backups/by-hand'], { CROFT_DATA_DIR: first }),
      );
      expect(uploaded).toMatch(
        /Backup written by the running Croft: s3:\/\/croft-backups\/by-hand\/croft-backup-\d{8}-\d{6}\.tar: /,
      );
      expect(uploaded).not.toContain('Warning');
      // Both are in the server's record (light mode: the one person is the instance admin).
      const recorded = (await (await fetch(`${url}/api/v1/instance/backups`)).json()) as {
        data: Record<string, unknown>[];
      };
      expect(
        recorded.data.map((b) => [b.trigger, b.status, String(b.location).startsWith('s3://') ? 's3' : b.location]),
      ).toEqual([
        ['command', 'done', 's3'],
        ['command', 'done', file],
      ]);
      await stop(server);

      const second = path.join(root, 'second');
      const restore = await finished(croft(['restore', file], { CROFT_DATA_DIR: second }));
      expect(restore).toMatch(/Restored \d+ tables, \d+ rows .* every table matches the backup/);
      const again = croft(['restore', file], { CROFT_DATA_DIR: second });
      expect(await again.exited).toBe(1);
      expect(again.output()).toContain('croft restore: The data folder');
      expect(again.output()).toContain('already holds a database');

      const restored = croft(['serve'], { CROFT_DATA_DIR: second });
      expect(await places(await restored.url())).toEqual(expected);
      await stop(restored);

      const broken = path.join(root, 'broken.tar');
      fs.writeFileSync(broken, 'not an archive');
      const refused = croft(['restore', broken], { CROFT_DATA_DIR: path.join(root, 'third') });
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toContain('is not a Croft backup');
      expect(fs.existsSync(path.join(root, 'third', 'pgdata'))).toBe(false);
    },
  );

  it.runIf(testBackend() === 'postgres')(
    'moves a farm from the embedded database to PostgreSQL and back with backup, restore and start',
    { timeout: 240_000 },
    async () => {
      const embedded = path.join(root, 'embedded');
      const first = croft(['serve'], { CROFT_DATA_DIR: embedded });
      const url = await first.url();
      const res = await fetch(`${api(url)}/locations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          name: 'Greenhouse',
          type: 'greenhouse',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [104.9, 11.55],
                [104.901, 11.55],
                [104.901, 11.551],
                [104.9, 11.55],
              ],
            ],
          },
        }),
      });
      expect(res.status).toBe(201);
      const expected = await places(url);
      await stop(first);

      const file = path.join(root, 'move.tar');
      await finished(croft(['backup', '--to', file], { CROFT_DATA_DIR: embedded }));
      const server = await emptyPostgres();
      const moved = path.join(root, 'moved'); // photos stay on local disk beside the PostgreSQL database
      await finished(croft(['restore', file], { DATABASE_URL: server, CROFT_DATA_DIR: moved }));
      const onPostgres = croft(['serve'], { DATABASE_URL: server, CROFT_DATA_DIR: moved });
      const pgUrl = await onPostgres.url();
      expect(await places(pgUrl)).toEqual(expected);
      const lookup = await fetch(`${api(pgUrl)}/locations/lookup?lat=11.5502&lon=104.9008`);
      expect(lookup.status).toBe(200);
      expect(((await lookup.json()) as { location: { name: string } }).location.name).toBe('Greenhouse');
      await stop(onPostgres);

      const back = path.join(root, 'back.tar');
      await finished(croft(['backup', '--to', back], { DATABASE_URL: server, CROFT_DATA_DIR: moved }));
      const home = path.join(root, 'home');
      await finished(croft(['restore', back], { CROFT_DATA_DIR: home }));
      const again = croft(['serve'], { CROFT_DATA_DIR: home });
      expect(await places(await again.url())).toEqual(expected);
      await stop(again);
    },
  );
});
