import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DomainError, type ErrorKind } from '../../../platform/errors.js';
import type { OnnxDetectorOptions } from './onnx.js';
import type { CountHints, CountResult } from './types.js';
import { MODEL_NOT_LOADED, type CountRequest, type ThreadRequest } from './protocol.js';

/** A farm's ONNX model to count with: loaded on the thread once per key, its bytes read only when needed. */
export interface ThreadModel {
  /** The same key, the same detector: the bytes' SHA-256 and the settings. */
  key: string;
  options: Omit<OnnxDetectorOptions, 'threads'>;
  bytes: () => Promise<Uint8Array>;
}

/** How long an idle counting thread lives before it exits and gives its memory back. */
export const IDLE_EXIT_MS = 30_000;

type Answer =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string; code?: string; kind?: ErrorKind };

/**
 * Counts photos on one worker thread, one photo at a time, started when needed and ended after
 * IDLE_EXIT_MS without work — so a server that counts now and then does not keep opencv.js's memory.
 * From TypeScript sources (tests, `tsx`), the thread loads its file through tsx's loader.
 */
export class CountingThread {
  #worker: Worker | undefined;
  #next = 0;
  /** Requests waiting for their answer, each with the thread it was sent to. */
  #waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; worker: Worker }>();
  #idle: NodeJS.Timeout | undefined;
  /** Models whose bytes the running thread was sent (it may have let some go since: it then asks again). */
  #sent = new Set<string>();

  constructor(private readonly idleExitMs = IDLE_EXIT_MS) {}

  /**
   * Counts one photo, with the classical detector or the model given. A model's bytes are sent the first time
   * the thread meets it (and again if it let the model go); a model that does not load rejects with its
   * DomainError (ONNX_MODEL_UNREADABLE, ONNX_MODEL_CONTRACT).
   */
  async count(bytes: Buffer, hints: CountHints, model?: ThreadModel): Promise<CountResult> {
    let withBytes = false;
    for (;;) {
      clearTimeout(this.#idle);
      const modelBytes = model && (withBytes || !this.#sent.has(model.key)) ? await model.bytes() : undefined;
      clearTimeout(this.#idle);
      const worker = this.#start();
      if (model && modelBytes) this.#sent.add(model.key);
      const request: CountRequest = {
        id: ++this.#next,
        bytes: new Uint8Array(bytes),
        hints,
        ...(model ? { model: { key: model.key, options: model.options, bytes: modelBytes } } : {}),
      };
      try {
        return (await this.#post(worker, request)) as CountResult;
      } catch (error) {
        if (!model || modelBytes || (error as { code?: string }).code !== MODEL_NOT_LOADED) throw error;
        this.#sent.delete(model.key);
        withBytes = true;
      }
    }
  }

  /**
   * Loads a model as counting would, on the thread, and frees it: resolves when it follows the contract, rejects
   * with the DomainError OnnxDetector.create throws (ONNX_MODEL_UNREADABLE, ONNX_MODEL_CONTRACT). onnxruntime
   * parses and optimises a model synchronously, which for a large one would hold the server's event loop.
   */
  async checkModel(bytes: Uint8Array, options: ThreadModel['options']): Promise<void> {
    clearTimeout(this.#idle);
    await this.#post(this.#start(), { id: ++this.#next, check: { options, bytes } });
  }

  #post(worker: Worker, request: ThreadRequest): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.#waiting.set(request.id, { resolve, reject, worker });
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
    this.#sent.clear();
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
      else if (answer.kind && answer.code) waiting.reject(new DomainError(answer.kind, answer.code, answer.message));
      else waiting.reject(Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {}));
      if (this.#waiting.size === 0) this.#idle = setTimeout(() => void this.close(), this.idleExitMs).unref();
    });
    // Only this thread's requests fail with it: a thread closing after its idle time may exit while a new
    // one already has work.
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, w] of this.#waiting)
        if (w.worker === worker) {
          this.#waiting.delete(id);
          w.reject(error);
        }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the counting thread exited (${code})`)));
    this.#worker = worker;
    return worker;
  }
}
