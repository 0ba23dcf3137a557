/**
 * The counting thread: decodes a photo and counts its plants off the server's event loop (opencv.js holds
 * the thread for a second or two per photo, and its WebAssembly memory for as long as the thread lives).
 * A farm's ONNX model is loaded once and kept here by its key (the bytes' SHA-256 and the settings), so a
 * model's bytes cross to the thread once, not with every photo.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { DomainError } from '../../../platform/errors.js';
import { countPhotoBytes } from './count.js';
import { OnnxDetector } from './onnx.js';
import { MAX_LOADED_MODELS, MODEL_NOT_LOADED, type ModelRequest, type ThreadRequest } from './protocol.js';

/**
 * Counting is background work: on Linux a nice value belongs to a thread, and `setPriority(0, …)` sets the
 * calling thread's, so this thread (opencv.js, onnxruntime's one intra-op thread) yields to the server's
 * (ingest, the API) when they want the same core; sharp's decode runs on libuv's shared pool, at the
 * server's priority. Elsewhere (macOS, Windows) it would lower the whole process: not done there.
 */
export const COUNTING_NICE = 10;
if (process.platform === 'linux') {
  try {
    setPriority(0, COUNTING_NICE);
  } catch {
    // Not permitted here: count at the server's priority.
  }
}

interface Loaded {
  detector: Promise<OnnxDetector>;
  /** Counts using it now: a model let go is closed only when none is. */
  users: number;
  evicted: boolean;
}
const loaded = new Map<string, Loaded>();

function release(entry: Loaded): void {
  entry.users--;
  if (entry.evicted && entry.users === 0) void entry.detector.then((d) => d.close()).catch(() => undefined);
}

/** The model's detector, loading it from the bytes sent; undefined when the thread does not hold it and none came. */
function acquire(model: ModelRequest): Loaded | undefined {
  let entry = loaded.get(model.key);
  if (entry) {
    // Most recently used last.
    loaded.delete(model.key);
    loaded.set(model.key, entry);
  } else {
    if (!model.bytes) return undefined;
    const detector = OnnxDetector.create(model.bytes, { ...model.options, threads: 1 });
    entry = { detector, users: 0, evicted: false };
    loaded.set(model.key, entry);
    const mine = entry;
    // A model that does not load is not kept: the next request sends it again and meets the same error.
    detector.catch(() => {
      if (loaded.get(model.key) === mine) loaded.delete(model.key);
    });
    for (const [key, old] of loaded) {
      if (loaded.size <= MAX_LOADED_MODELS) break;
      loaded.delete(key);
      old.evicted = true;
      if (old.users === 0) void old.detector.then((d) => d.close()).catch(() => undefined);
    }
  }
  entry.users++;
  return entry;
}

/** An error as the server's side rebuilds it: a DomainError keeps its kind and code. */
function failure(id: number, error: unknown) {
  const e = error as { message?: string; code?: string };
  const kind = error instanceof DomainError ? error.kind : undefined;
  return { id, ok: false, message: e.message ?? String(error), code: e.code, kind };
}

parentPort!.on('message', (request: ThreadRequest) => {
  if ('check' in request) {
    void (async () => {
      try {
        const detector = await OnnxDetector.create(request.check.bytes, { ...request.check.options, threads: 1 });
        await detector.close();
        parentPort!.postMessage({ id: request.id, ok: true, result: null });
      } catch (error) {
        parentPort!.postMessage(failure(request.id, error));
      }
    })();
    return;
  }
  // Taken before the first await, so requests naming one model in a row share its one load.
  const entry = request.model ? acquire(request.model) : undefined;
  void (async () => {
    try {
      if (request.model && !entry) {
        parentPort!.postMessage({
          id: request.id,
          ok: false,
          message: 'The model is not loaded',
          code: MODEL_NOT_LOADED,
        });
        return;
      }
      const detector = entry ? await entry.detector : undefined;
      const result = await countPhotoBytes(Buffer.from(request.bytes), request.hints, detector);
      parentPort!.postMessage({ id: request.id, ok: true, result });
    } catch (error) {
      parentPort!.postMessage(failure(request.id, error));
    } finally {
      if (entry) release(entry);
    }
  })();
});
