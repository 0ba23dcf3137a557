import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CountRequest } from './worker.js';
import type { CountHints, CountResult } from './types.js';

/** How long an idle counting thread lives before it exits and gives its memory back. */
export const IDLE_EXIT_MS = 30_000;

type Answer = { id: number; ok: true; result: CountResult } | { id: number; ok: false; message: string; code?: string };

/**
 * Counts photos on one worker thread, one photo at a time, started when needed and ended after
 * IDLE_EXIT_MS without work — so a server that counts now and then does not keep opencv.js's memory.
 * From TypeScript sources (tests, `tsx`), the thread loads its file through tsx's loader.
 */
export class CountingThread {
  #worker: Worker | undefined;
  #next = 0;
  #waiting = new Map<number, { resolve: (r: CountResult) => void; reject: (e: Error) => void }>();
  #idle: NodeJS.Timeout | undefined;

  constructor(private readonly idleExitMs = IDLE_EXIT_MS) {}

  count(bytes: Buffer, hints: CountHints): Promise<CountResult> {
    clearTimeout(this.#idle);
    const worker = this.#start();
    const id = ++this.#next;
    return new Promise<CountResult>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const request: CountRequest = { id, bytes: new Uint8Array(bytes), hints };
      worker.postMessage(request);
    });
  }

  /** Ends the thread now (shutdown); counts in flight fail. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = import.meta.url.endsWith('.ts')
      ? // From TypeScript sources, the thread registers tsx's loader first, then imports its file.
        new Worker(
          new URL(
            'data:text/javascript,' +
              encodeURIComponent(
                `import { register } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs'))};` +
                  `register(); await import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)});`,
              ),
          ),
        )
      : new Worker(new URL('./worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (answer: Answer) => {
      const waiting = this.#waiting.get(answer.id);
      if (!waiting) return;
      this.#waiting.delete(answer.id);
      if (answer.ok) waiting.resolve(answer.result);
      else waiting.reject(Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {}));
      if (this.#waiting.size === 0) this.#idle = setTimeout(() => void this.close(), this.idleExitMs).unref();
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const w of this.#waiting.values()) w.reject(error);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the counting thread exited (${code})`)));
    this.#worker = worker;
    return worker;
  }
}
