/**
 * Cold start of `croft serve` on the embedded database: time from spawn until /api/v1/health answers
 * 200, first on a new data folder (database created and migrated) and then warm (folder exists), and
 * idle memory (RSS) once settled. Baseline measured in the same run: a bare Node HTTP server.
 *
 * Then the standard workload on a warm server, and its RSS after: a location list, GPS lookups, a minute
 * of MQTT ingest from 100 devices (one message of 20 readings a second each, QoS 1) and a photo counted
 * (a synthetic 12 MP tray); then again once the counting process has gone idle and exited. The server runs in light mode (CROFT_AUTH=none: one local farm, no sign-in).
 *
 *   npm run build && npm run bench:start
 *
 * BENCH_VARIANTS (below) compares variants of the server's environment on the workload alone, in one session;
 * BENCH_TRACE=1 prints the server's memory every 3 s between "after" and "settled"; BENCH_SERVER_LOG=FILE
 * keeps the server's output; BENCH_SERVER_NODE_OPTIONS sets Node options for the server alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { generateSyntheticTray, IDLE_EXIT_MS } from '../src/modules/photos/index.js';
import { databaseOnPglite } from '../src/platform/db/database.js';
import { startPglite } from '../src/platform/db/embedded.js';
import { runLoad, seedDevices } from './devices.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = path.join(ROOT, 'dist/main.js');
const SETTLE_MS = 3_000;

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Where a process's RSS lies, from /proc/PID/smaps: WebAssembly memories (V8 reserves each one as a
 * mapping of several GiB, of which only touched pages count; PGlite's never shrinks), the C heap
 * (`[heap]`: what malloc took, glibc rarely gives back), executable anonymous memory (code V8 compiled:
 * JavaScript and WebAssembly, PostGIS's library included), other anonymous memory (V8's JS heaps, thread
 * arenas, stacks) and file-backed pages (code, mapped files).
 */
function memoryParts(pid: number): Record<'wasm' | 'cHeap' | 'code' | 'anon' | 'files', number> {
  const maps: { start: bigint; end: bigint; perms: string; name: string; rssMb: number }[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head)
      maps.push({
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perms: head[3]!,
        name: head[4]!,
        rssMb: 0,
      });
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && maps.length > 0) maps[maps.length - 1]!.rssMb = Number(rss[1]) / 1024;
  }
  const parts = { wasm: 0, cHeap: 0, code: 0, anon: 0, files: 0 };
  maps.forEach((m, i) => {
    // A WebAssembly memory: its accessible pages directly followed by the guard region V8 reserves (GiBs, no access).
    const next = maps[i + 1];
    const guarded = next?.start === m.end && next.perms.startsWith('---') && next.end - next.start >= 2n ** 32n;
    const kind =
      m.name === '[heap]'
        ? 'cHeap'
        : m.name.startsWith('/')
          ? 'files'
          : guarded
            ? 'wasm'
            : m.perms.includes('x')
              ? 'code'
              : 'anon';
    parts[kind] += m.rssMb;
  });
  return parts;
}

const partsText = (pid: number) =>
  Object.entries(memoryParts(pid))
    .map(([k, mb]) => `${k} ${mb.toFixed(0)}`)
    .join(', ');

/** The server's own view of its V8 heap (used of total) and external memory, from its /metrics. */
async function heapText(origin: string): Promise<string> {
  const res = await fetch(`${origin}/metrics`).catch(() => undefined);
  if (!res?.ok) return '';
  const text = await res.text();
  const mb = (name: string) => {
    const value = new RegExp(`^croft_${name} (\\S+)$`, 'm').exec(text)?.[1];
    return value === undefined ? '?' : (Number(value) / 1024 / 1024).toFixed(0);
  };
  return ` (JS heap ${mb('nodejs_heap_size_used_bytes')} used of ${mb('nodejs_heap_size_total_bytes')}, external ${mb('nodejs_external_memory_bytes')})`;
}

/** The RSS of the server: the process itself, or under `npm start` the node process serving (its child). */
function groupRssMb(pid: number): number {
  const children = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    });
  return Math.max(rssMb(pid), ...children.map((c) => groupRssMb(Number(c))));
}

/** The workload's steps; `BENCH_STEPS=gps,mqtt` leaves the photo out (to see what each step leaves behind). */
const STEPS = new Set((process.env.BENCH_STEPS ?? 'gps,mqtt,photo').split(','));

/** The standard workload against a warm server; the devices are already in the farm (seeded before). */
async function workload(url: string, mqttPort: number, farm: { id: string; slug: string }): Promise<string[]> {
  const api = `${url}/api/v1/farms/${farm.slug}`;
  const call = async <T>(path: string, init: RequestInit = {}, expected = 200): Promise<T> => {
    const res = await fetch(`${api}${path}`, {
      ...init,
      headers: { 'x-requested-with': 'bench', 'content-type': 'application/json', ...init.headers },
    });
    if (res.status !== expected) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const post = <T>(path: string, body: unknown) => call<T>(path, { method: 'POST', body: JSON.stringify(body) }, 201);
  const done: string[] = [];

  // A warehouse with a storage location drawn on the map; a GPS lookup finds it.
  const square = (lon: number, lat: number, d: number) => ({
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat],
      ],
    ],
  });
  const house = await post<{ id: string }>('/locations', {
    name: 'Shadehouse',
    type: 'warehouse',
    geometry: square(104.9, 11.55, 0.001),
  });
  const area = await post<{ id: string }>('/locations', {
    name: 'North',
    type: 'storage_area',
    parent_id: house.id,
    geometry: square(104.9001, 11.5501, 0.0005),
  });
  const bench = await post<{ id: string }>('/locations', {
    name: 'Bench 1',
    type: 'storage_location',
    parent_id: area.id,
    geometry: square(104.9002, 11.5502, 0.0002),
  });
  if (STEPS.has('gps')) {
    await call('/locations');
    for (let i = 0; i < 20; i++) await call(`/locations/lookup?lat=11.5503&lon=104.9003`);
    done.push('a location list and 20 GPS lookups');
  }

  if (STEPS.has('mqtt')) await mqttMinute(mqttPort, farm.slug, done);
  if (STEPS.has('photo')) await countPhoto(api, call, bench.id, done);
  return done;
}

async function mqttMinute(mqttPort: number, slug: string, done: string[]): Promise<void> {
  const { accepted, seconds } = await runLoad({
    kind: 'mqtt',
    port: mqttPort,
    slug,
    devices: 100,
    messages: 60,
    intervalMs: 1000,
    start: Date.parse('2026-01-01T00:00:00Z'),
  });
  done.push(`MQTT: ${accepted} readings from 100 devices in ${seconds.toFixed(0)} s`);
}

async function countPhoto(
  api: string,
  call: <T>(path: string) => Promise<T>,
  locationId: string,
  done: string[],
): Promise<void> {
  const tray = await generateSyntheticTray({ seed: 7, width: 4000, height: 3000 });
  const photo = randomUUID();
  const res = await fetch(`${api}/photos/${photo}?location_id=${locationId}`, {
    method: 'PUT',
    headers: { 'x-requested-with': 'bench', 'content-type': 'image/jpeg' },
    body: tray.jpeg,
  });
  if (res.status !== 201) throw new Error(`photo: ${res.status} ${await res.text()}`);
  const { session_id: session } = (await res.json()) as { session_id: string };
  const deadline = performance.now() + 120_000;
  for (;;) {
    const state = await call<{ status: string; total: number | null }>(`/photo-sessions/${session}`);
    if (state.status === 'completed') {
      done.push(`a 12 MP photo counted: ${state.total} plants (truth ${tray.truth.plants})`);
      return;
    }
    if (state.status === 'failed' || performance.now() > deadline) throw new Error(`photo session ${state.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The light-mode farm and its 101 devices, written while no server holds the data folder. */
async function seedLightFarm(dataDir: string): Promise<{ id: string; slug: string }> {
  const pglite = await startPglite({ dataDir: path.join(dataDir, 'pgdata') });
  const db = databaseOnPglite(pglite, () => pglite.close());
  try {
    const farms = await db.system((tx) => sql<{ id: string; slug: string }>`select id, slug from farms`.execute(tx));
    const farm = farms.rows[0];
    if (!farm) throw new Error('no light-mode farm after the first start');
    await seedDevices(db, farm.id, farm.slug, 101);
    return farm;
  } finally {
    await db.close();
  }
}

interface Measure {
  startMs: number;
  idleRssMb: number;
  /** After the workload, when one ran (else the idle figure again). */
  afterRssMb: number;
  /** Once the counting process has gone idle and exited after the workload (else the idle figure again). */
  settledRssMb: number;
  /** Where the serving process's RSS lies (MB) at idle, after the workload and settled. */
  parts: string[];
}

async function measure(
  args: string[],
  env: Record<string, string>,
  url: string,
  command = process.execPath,
  work?: () => Promise<unknown>,
): Promise<Measure> {
  const started = performance.now();
  // Its own process group, so stopping `npm start` stops the server under it too.
  // BENCH_SERVER_LOG=FILE: the server's output appended to FILE (with CROFT_LOG_LEVEL=debug, its collections).
  const logFile = process.env.BENCH_SERVER_LOG ? fs.openSync(process.env.BENCH_SERVER_LOG, 'a') : undefined;
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: logFile === undefined ? 'ignore' : ['ignore', logFile, logFile],
    cwd: ROOT,
    detached: true,
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await waitHealthy(url, child);
    const startMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const idleRssMb = groupRssMb(child.pid!);
    const origin = new URL(url).origin;
    const parts = [partsText(child.pid!) + (work ? await heapText(origin) : '')];
    if (work) {
      await work();
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
    const afterRssMb = groupRssMb(child.pid!);
    parts.push(partsText(child.pid!) + (work ? await heapText(origin) : ''));
    // The counting process exits after IDLE_EXIT_MS without photos; what stays is what a quiet server holds.
    // BENCH_TRACE=1: the server's memory every 3 s meanwhile.
    if (work && process.env.BENCH_TRACE) {
      for (let waited = 0; waited < IDLE_EXIT_MS + SETTLE_MS; waited += SETTLE_MS) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        console.log(
          `  +${(waited + 2 * SETTLE_MS) / 1000} s: RSS ${groupRssMb(child.pid!).toFixed(0)}, ${partsText(child.pid!)}${await heapText(origin)}`,
        );
      }
    } else if (work) await new Promise((resolve) => setTimeout(resolve, IDLE_EXIT_MS + SETTLE_MS));
    const settledRssMb = groupRssMb(child.pid!);
    parts.push(partsText(child.pid!) + (work ? await heapText(origin) : ''));
    return { startMs, idleRssMb, afterRssMb, settledRssMb, parts };
  } finally {
    // Stopped even when the measure failed: a server left running would hold the port and the folder.
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

/**
 * `BENCH_VARIANTS='base;NODE_OPTIONS=--max-old-space-size=192'`: only the workload, once per variant of
 * the server's environment (`;` between variants, `,` between a variant's KEY=VALUE pairs; `base` adds
 * nothing), each on its own copy of the same seeded data folder, in this order and in the same session,
 * so options are compared on the same machine load. Each variant is run BENCH_REPEAT times (default 1),
 * variants interleaved.
 */
const VARIANTS = process.env.BENCH_VARIANTS;

async function compareVariants(
  variants: string,
  dataDir: string,
  serverEnv: Record<string, string>,
  health: string,
  port: number,
): Promise<void> {
  const farm = await seedLightFarm(dataDir);
  const repeat = Number(process.env.BENCH_REPEAT ?? 1);
  const list = variants.split(';').map((v) => v.trim());
  const results: { name: string; m: Measure; done: string[] }[] = [];
  for (let r = 0; r < repeat; r++) {
    for (const name of list) {
      const extra = Object.fromEntries(
        name === 'base'
          ? []
          : name.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      const copy = `${dataDir}-${results.length}`;
      fs.cpSync(dataDir, copy, { recursive: true });
      try {
        let done: string[] = [];
        const m = await measure(
          [MAIN, 'serve'],
          { ...serverEnv, ...extra, CROFT_DATA_DIR: copy },
          health,
          process.execPath,
          async () => {
            done = await workload(`http://127.0.0.1:${port}`, port + 2, farm);
          },
        );
        results.push({ name, m, done });
        console.log(
          `${name}: start ${m.startMs.toFixed(0)} ms, idle ${m.idleRssMb.toFixed(0)} MB, after ${m.afterRssMb.toFixed(0)} MB, settled ${m.settledRssMb.toFixed(0)} MB`,
        );
        console.log(`  ${done.join('; ')}`);
        console.log(`  idle: ${m.parts[0]}\n  after: ${m.parts[1]}\n  settled: ${m.parts[2]}`);
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    }
  }
}

const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(${process.env.BENCH_BARE_PORT ?? 18_081})`;

async function main(): Promise<void> {
  if (!fs.existsSync(MAIN)) throw new Error('Build first: npm run build');
  const port = Number(process.env.BENCH_PORT ?? 18_080);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-bench-'));
  const env = {
    CROFT_DATA_DIR: dataDir,
    CROFT_PORT: String(port),
    CROFT_HOST: '127.0.0.1',
    CROFT_LOG_LEVEL: 'warn',
    CROFT_LOG_FORMAT: 'json',
    CROFT_AUTH: 'none',
    CROFT_MQTT_PORT: String(port + 2),
    // 100 simulated devices connect from 127.0.0.1: one address, far above a farm's usual share.
    CROFT_MQTT_CONNECTIONS_PER_ADDRESS: '1000',
    CROFT_MQTT_CONNECTS_PER_MINUTE: '10000',
  };
  // Node options for `croft serve` alone (not this script, not npm and its build check), e.g.
  // BENCH_SERVER_NODE_OPTIONS=--max-old-space-size=256
  const serverEnv = {
    ...env,
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
  };
  const health = `http://127.0.0.1:${port}/api/v1/health`;
  try {
    const bare = await measure(['-e', BARE_SERVER], {}, `http://127.0.0.1:${process.env.BENCH_BARE_PORT ?? 18_081}/`);
    const first = await measure([MAIN, 'serve'], serverEnv, health);
    if (VARIANTS) {
      await compareVariants(VARIANTS, dataDir, serverEnv, health, port);
      return;
    }
    const warm = await measure([MAIN, 'serve'], serverEnv, health);
    // What a user runs: npm, the build check (nothing changed) and the server.
    const npmWarm = await measure(['start', '--silent'], env, health, 'npm');
    const farm = await seedLightFarm(dataDir);
    let done: string[] = [];
    const worked = await measure([MAIN, 'serve'], serverEnv, health, process.execPath, async () => {
      done = await workload(`http://127.0.0.1:${port}`, port + 2, farm);
    });
    const rows = [
      ['bare node http server (baseline)', bare],
      ['croft serve, first start (new data folder)', first],
      ['croft serve, warm start', warm],
      ['npm start, warm (build check included)', npmWarm],
    ] as const;
    console.log(`node ${process.version}, ${os.cpus().length} cores`);
    console.log(
      'what'.padEnd(46),
      'start ms'.padStart(10),
      'x base'.padStart(8),
      'idle RSS MB'.padStart(12),
      'x base'.padStart(8),
      'after work MB'.padStart(14),
      'settled MB'.padStart(11),
    );
    for (const [name, m] of rows) {
      console.log(
        name.padEnd(46),
        m.startMs.toFixed(0).padStart(10),
        (m.startMs / bare.startMs).toFixed(1).padStart(8),
        m.idleRssMb.toFixed(0).padStart(12),
        (m.idleRssMb / bare.idleRssMb).toFixed(1).padStart(8),
        '-'.padStart(14),
        '-'.padStart(11),
      );
    }
    console.log(
      'croft serve, warm, then the standard workload'.padEnd(46),
      worked.startMs.toFixed(0).padStart(10),
      (worked.startMs / bare.startMs).toFixed(1).padStart(8),
      worked.idleRssMb.toFixed(0).padStart(12),
      (worked.idleRssMb / bare.idleRssMb).toFixed(1).padStart(8),
      worked.afterRssMb.toFixed(0).padStart(14),
      worked.settledRssMb.toFixed(0).padStart(11),
    );
    console.log(
      `settled: ${(IDLE_EXIT_MS + SETTLE_MS) / 1000} s after the workload, once the counting process has exited`,
    );
    console.log(`workload: ${done.join('; ')}`);
    const [idle, after, settled] = worked.parts;
    console.log(`where the RSS lies (MB): idle: ${idle}\n  after: ${after}\n  settled: ${settled}`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
