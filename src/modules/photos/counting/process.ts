import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DomainError, type ErrorDetails, type ErrorKind } from '../../../platform/errors.js';
import type { InspectedImage } from '../photos.image.js';
import type { OnnxDetectorOptions } from './onnx.js';
import type { CountHints, CountResult } from './types.js';
import { MODEL_NOT_LOADED, type CountRequest, type CountingRequest } from './protocol.js';

/** A farm's ONNX model to count with: loaded in the counting process once per key, its bytes read only when needed. */
export interface CountingModel {
  /** The same key, the same detector: the bytes' SHA-256 and the settings. */
  key: string;
  options: Omit<OnnxDetectorOptions, 'threads'>;
  bytes: () => Promise<Uint8Array>;
}

/** How long an idle counting process lives before it exits and gives its memory back. */
export const IDLE_EXIT_MS = 30_000;

type Answer =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string; code?: string; kind?: ErrorKind; details?: ErrorDetails };

/** A Buffer over the same bytes (what crosses the channel arrives as a Uint8Array). */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Counts photos (and does an upload's image work) in one child process (worker.ts), one request at a time, started when needed and ended after
 * IDLE_EXIT_MS without work. A process of its own rather than a thread: what opencv.js, sharp and onnxruntime
 * allocate leaves with it (a thread's malloc arenas stay in the server after the thread exits: ~300 MB after a
 * 12 MP photo), and a model or image that crashes native code ends the counting process, not the server — the
 * counts in flight fail and the next count starts a new process.
 * From TypeScript sources (tests, `tsx`), the process loads its file through tsx's loader.
 */
export class CountingProcess {
  #child: ChildProcess | undefined;
  #next = 0;
  /** Requests waiting for their answer, each with the process it was sent to. */
  #waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; child: ChildProcess }>();
  #idle: NodeJS.Timeout | undefined;
  /** Models whose bytes the running process was sent (it may have let some go since: it then asks again). */
  #sent = new Set<string>();

  constructor(private readonly idleExitMs = IDLE_EXIT_MS) {}

  /** The running counting process's id (undefined while none runs). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Counts one photo, with the classical detector or the model given. A model's bytes are sent the first time
   * the process meets it (and again if it let the model go); a model that does not load rejects with its
   * DomainError (ONNX_MODEL_UNREADABLE, ONNX_MODEL_CONTRACT).
   */
  async count(bytes: Buffer, hints: CountHints, model?: CountingModel): Promise<CountResult> {
    let withBytes = false;
    for (;;) {
      clearTimeout(this.#idle);
      const modelBytes = model && (withBytes || !this.#sent.has(model.key)) ? await model.bytes() : undefined;
      clearTimeout(this.#idle);
      const child = this.#start();
      if (model && modelBytes) this.#sent.add(model.key);
      const request: CountRequest = {
        id: ++this.#next,
        bytes: new Uint8Array(bytes),
        hints,
        ...(model ? { model: { key: model.key, options: model.options, bytes: modelBytes } } : {}),
      };
      try {
        return (await this.#post(child, request)) as CountResult;
      } catch (error) {
        if (!model || modelBytes || (error as { code?: string }).code !== MODEL_NOT_LOADED) throw error;
        this.#sent.delete(model.key);
        withBytes = true;
      }
    }
  }

  /**
   * An upload's image work (inspectImage: the header, EXIF, the display and thumbnail copies) in the counting
   * process, so decoding a 12 MP photo leaves no buffers in the server; rejects with inspectImage's
   * DomainError (IMAGE_UNREADABLE, IMAGE_TOO_LARGE), details included.
   */
  async inspect(bytes: Buffer, timeZone: string): Promise<InspectedImage> {
    clearTimeout(this.#idle);
    const image = (await this.#post(this.#start(), {
      id: ++this.#next,
      inspect: { bytes: new Uint8Array(bytes), timeZone },
    })) as InspectedImage;
    return { ...image, display: asBuffer(image.display), thumb: asBuffer(image.thumb) };
  }

  /**
   * Loads a model as counting would, in the counting process, and frees it: resolves when it follows the
   * contract, rejects with the DomainError OnnxDetector.create throws (ONNX_MODEL_UNREADABLE, ONNX_MODEL_CONTRACT).
   * onnxruntime parses and optimises a model synchronously, which for a large one would hold the server's event loop.
   */
  async checkModel(bytes: Uint8Array, options: CountingModel['options']): Promise<void> {
    clearTimeout(this.#idle);
    await this.#post(this.#start(), { id: ++this.#next, check: { options, bytes } });
  }

  #post(child: ChildProcess, request: CountingRequest): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.#waiting.set(request.id, { resolve, reject, child });
      // Held open while an answer is awaited (a script counting one photo must not exit first), else not.
      child.channel?.ref();
      child.send(request, (error) => {
        if (error) this.#fail(child, error);
      });
    });
  }

  /** Ends the process now (shutdown); counts in flight fail. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Only this process's requests fail with it: one closing after its idle time may exit while a new one has work. */
  #fail(child: ChildProcess, error: Error): void {
    if (this.#child === child) this.#child = undefined;
    for (const [id, w] of this.#waiting)
      if (w.child === child) {
        this.#waiting.delete(id);
        w.reject(error);
      }
  }

  #start(): ChildProcess {
    if (this.#child) return this.#child;
    this.#sent.clear();
    const fromSources = import.meta.url.endsWith('.ts');
    const file = fileURLToPath(new URL(fromSources ? './worker.ts' : './worker.js', import.meta.url));
    const child = fork(file, [], {
      // Typed arrays cross as they are (a photo's bytes, a model's), not as JSON.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: fromSources ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href] : [],
    });
    // The server's exit does not wait for an idle counting process (nor for one at work: it is killed with it).
    child.unref();
    child.channel?.unref();
    child.on('message', (answer: Answer) => {
      const waiting = this.#waiting.get(answer.id);
      if (!waiting) return;
      this.#waiting.delete(answer.id);
      if (answer.ok) waiting.resolve(answer.result);
      else if (answer.kind && answer.code)
        waiting.reject(new DomainError(answer.kind, answer.code, answer.message, answer.details));
      else waiting.reject(Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {}));
      if (this.#waiting.size === 0) {
        child.channel?.unref();
        this.#idle = setTimeout(() => void this.close(), this.idleExitMs).unref();
      }
    });
    child.on('error', (error) => this.#fail(child, error));
    child.on('exit', (code, signal) =>
      this.#fail(child, new Error(`the counting process exited (${signal ?? `code ${code ?? '?'}`})`)),
    );
    this.#child = child;
    return child;
  }
}
