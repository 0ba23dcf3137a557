import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend, type TestDatabase } from './helpers/database.js';
import { spawnCroft, type CroftProcess } from './helpers/process.js';

const MAIN = 'src/main.ts';
const WRITER = 'test/fixtures/serve-with-writes.ts';
const started: CroftProcess[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-data-'));
let database: TestDatabase | undefined;

function start(entry: string, env: Record<string, string> = {}, args: string[] = []): CroftProcess {
  const p = spawnCroft(entry, args, { CROFT_DATA_DIR: dataDir, ...env });
  started.push(p);
  return p;
}

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  await database?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Writes with `workers` concurrent clients until the server stops answering; returns the ids the
 * server acknowledged. `onStarted` runs once writes are flowing (it sends the signal).
 */
async function writeUntilStopped(url: string, onStarted: () => void, workers = 4): Promise<number[]> {
  const acknowledged: number[] = [];
  let next = 1;
  let signalled = false;
  const deadline = Date.now() + 30_000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const id = next++;
      try {
        const res = await fetch(`${url}/api/v1/test/writes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id }),
        });
        if (res.status === 201) acknowledged.push(id);
        else if (signalled) return; // 503 while closing
      } catch {
        return; // connection refused: the server has gone
      }
      if (!signalled && acknowledged.length >= 200) {
        signalled = true;
        onStarted();
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return acknowledged;
}

async function storedIds(url: string): Promise<Set<number>> {
  const res = await fetch(`${url}/api/v1/test/writes`);
  return new Set(((await res.json()) as { ids: number[] }).ids);
}

describe.runIf(testBackend() === 'pglite')('croft serve on the embedded database', () => {
  it(
    'serves health, refuses a second process on the same folder, and takes over a stale lock',
    { timeout: 180_000 },
    async () => {
      // What an interrupted first start would leave behind.
      fs.mkdirSync(path.join(dataDir, 'pgdata.creating-99999'), { recursive: true });
      fs.writeFileSync(path.join(dataDir, 'pgdata.creating-99999', 'PG_VERSION'), 'half-made');

      const first = start(MAIN);
      const url = await first.url();
      const health = await (await fetch(`${url}/api/v1/health`)).json();
      expect(health).toMatchObject({ status: 'ok', database: 'pglite', jobs: 'running' });
      expect(fs.existsSync(path.join(dataDir, 'pgdata.creating-99999'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);

      const second = start(MAIN);
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain('is in use by another Croft process');

      first.child.kill('SIGKILL');
      await first.exited;
      expect(fs.existsSync(path.join(dataDir, 'croft.lock'))).toBe(true);

      const third = start(MAIN);
      await third.url();
      expect(third.output()).toContain('took over the data folder');
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'croft.lock'))).toBe(false);
    },
  );

  // Two process starts and up to 30 s of writes: on a loaded 2-core machine a start alone takes 20 s.
  it('keeps every acknowledged write through SIGTERM under load and a restart', { timeout: 180_000 }, async () => {
    const writer = start(WRITER);
    const url = await writer.url();
    const acknowledged = await writeUntilStopped(url, () => writer.child.kill('SIGTERM'));
    expect(await writer.exited, writer.output().slice(-3000)).toBe(0);
    expect(writer.output()).toContain('stopped cleanly');
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);

    const again = start(WRITER);
    const stored = await storedIds(await again.url());
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    again.child.kill('SIGTERM');
    expect(await again.exited, again.output().slice(-3000)).toBe(0);
  });

  it(
    'keeps every acknowledged write when the process is killed outright under load',
    { timeout: 180_000 },
    async () => {
      const writer = start(WRITER);
      const before = await storedIds(await writer.url());
      const acknowledged = await writeUntilStopped(await writer.url(), () => writer.child.kill('SIGKILL'));
      await writer.exited;

      const again = start(WRITER);
      const stored = await storedIds(await again.url());
      expect(acknowledged.filter((id) => !stored.has(id) && !before.has(id))).toEqual([]);
      again.child.kill('SIGTERM');
      expect(await again.exited, again.output().slice(-3000)).toBe(0);
    },
  );
});

describe.runIf(testBackend() === 'postgres')('croft serve on PostgreSQL', () => {
  it('keeps every acknowledged write through SIGTERM under load and a restart', { timeout: 180_000 }, async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url! };
    const writer = start(WRITER, env);
    const acknowledged = await writeUntilStopped(await writer.url(), () => writer.child.kill('SIGTERM'));
    expect(await writer.exited, writer.output().slice(-3000)).toBe(0);
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);

    const again = start(WRITER, env);
    const stored = await storedIds(await again.url());
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    again.child.kill('SIGTERM');
    expect(await again.exited, again.output().slice(-3000)).toBe(0);
  });
});

describe('the command line', () => {
  it('names the variable when a setting is bad', async () => {
    const p = start(MAIN, { CROFT_PORT: 'eighty' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('CROFT_PORT: must be a whole number (got "eighty")');
  });

  it('refuses to run a worker without DATABASE_URL', async () => {
    const p = start(MAIN, {}, ['worker']);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('croft worker needs DATABASE_URL');
  });

  it('creates the first admin from the command line, once, and prints reset tokens', { timeout: 180_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-cli-'));
    try {
      const create = (email: string) => {
        const p = start(MAIN, { CROFT_DATA_DIR: dir }, [
          'user',
          'create',
          '--email',
          email,
          '--name',
          'Cli Admin',
          '--farm',
          'Cli Farm',
          '--timezone',
          'UTC',
        ]);
        p.child.stdin?.end('a long enough password\n');
        return p;
      };
      const first = create('cli@example.org');
      expect(await first.exited, first.output()).toBe(0);
      expect(first.output()).toContain('Created cli@example.org (instance admin) and the farm "Cli Farm" (cli-farm).');
      const second = create('again@example.org');
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain('croft user: Croft is already set up');
      const reset = start(MAIN, { CROFT_DATA_DIR: dir }, ['user', 'reset-password', 'cli@example.org']);
      expect(await reset.exited).toBe(0);
      expect(reset.output()).toMatch(/^[A-Za-z0-9_-]{43}$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints help', async () => {
    const p = start(MAIN, {}, ['--help']);
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('Usage: croft [command]');
  });
});
