import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CroftProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** The URL it serves on, once the "serving" log line appears. */
  url(timeoutMs?: number): Promise<string>;
}

/** Runs a TypeScript entry point (src/main.ts or a fixture) as its own process, the way users run Croft. */
export function spawnCroft(entry: string, args: string[], env: Record<string, string>): CroftProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      CROFT_LOG_FORMAT: 'json',
      CROFT_PORT: '0',
      CROFT_HOST: '127.0.0.1',
      CROFT_JOB_POLL_MS: '500',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    async url(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = /"url":"(http:\/\/[^"]+)"/.exec(text);
        if (match?.[1]) return match[1];
        if (child.exitCode !== null) throw new Error(`Croft exited (${child.exitCode}) before serving:\n${text}`);
        if (Date.now() > deadline) throw new Error(`Croft did not serve within ${timeoutMs} ms:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
