/**
 * Cold start of `croft serve` on the embedded database: time from spawn until /api/v1/health answers
 * 200, first on a new data folder (database created and migrated) and then warm (folder exists), and
 * idle memory (RSS) once settled. Baseline measured in the same run: a bare Node HTTP server.
 *
 *   npm run build && npm run bench:start
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

interface Measure {
  startMs: number;
  idleRssMb: number;
}

async function measure(
  args: string[],
  env: Record<string, string>,
  url: string,
  command = process.execPath,
): Promise<Measure> {
  const started = performance.now();
  // Its own process group, so stopping `npm start` stops the server under it too.
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'ignore', cwd: ROOT, detached: true });
  await waitHealthy(url, child);
  const startMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const idleRssMb = groupRssMb(child.pid!);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return { startMs, idleRssMb };
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
  };
  const health = `http://127.0.0.1:${port}/api/v1/health`;
  try {
    const bare = await measure(['-e', BARE_SERVER], {}, `http://127.0.0.1:${process.env.BENCH_BARE_PORT ?? 18_081}/`);
    const first = await measure([MAIN, 'serve'], env, health);
    const warm = await measure([MAIN, 'serve'], env, health);
    // What a user runs: npm, the build check (nothing changed) and the server.
    const npmWarm = await measure(['start', '--silent'], env, health, 'npm');
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
    );
    for (const [name, m] of rows) {
      console.log(
        name.padEnd(46),
        m.startMs.toFixed(0).padStart(10),
        (m.startMs / bare.startMs).toFixed(1).padStart(8),
        m.idleRssMb.toFixed(0).padStart(12),
        (m.idleRssMb / bare.idleRssMb).toFixed(1).padStart(8),
      );
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
