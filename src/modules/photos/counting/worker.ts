/**
 * The counting process (started by process.ts with an IPC channel): decodes a photo and counts its plants
 * away from the server (opencv.js holds a core for a second or two per photo, and its WebAssembly memory for
 * as long as the process lives). A farm's ONNX model is loaded once and kept here by its key (the bytes'
 * SHA-256 and the settings), so a model's bytes cross to the process once, not with every photo.
 */
import { setPriority } from 'node:os';
import { DomainError } from '../../../platform/errors.js';
import { inspectImage } from '../photos.image.js';
import { countPhotoBytes } from './count.js';
import { OnnxDetector } from './onnx.js';
import { MAX_LOADED_MODELS, MODEL_NOT_LOADED, type ModelRequest, type CountingRequest } from './protocol.js';

/**
 * Counting is background work: it yields to the server (ingest, the API) when both want the same core. Set
 * first, before any other thread exists: on Linux a nice value belongs to a thread and the threads started
 * later (libuv's pool where sharp decodes, onnxruntime's) inherit it.
 */
export const COUNTING_NICE = 10;
try {
  setPriority(0, COUNTING_NICE);
} catch {
  // Not permitted here: count at the server's priority.
}

const send = (answer: object) => process.send?.(answer);
// The server is gone (exited, or killed without a word): so is its counting.
process.on('disconnect', () => process.exit(0));

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

/** The model's detector, loading it from the bytes sent; undefined when the process does not hold it and none came. */
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
  const domain = error instanceof DomainError ? { kind: error.kind, details: error.details } : {};
  return { id, ok: false, message: e.message ?? String(error), code: e.code, ...domain };
}

process.on('message', (request: CountingRequest) => {
  if ('inspect' in request) {
    void inspectImage(Buffer.from(request.inspect.bytes), request.inspect.timeZone).then(
      (result) => send({ id: request.id, ok: true, result }),
      (error: unknown) => send(failure(request.id, error)),
    );
    return;
  }
  if ('check' in request) {
    void (async () => {
      try {
        const detector = await OnnxDetector.create(request.check.bytes, { ...request.check.options, threads: 1 });
        await detector.close();
        send({ id: request.id, ok: true, result: null });
      } catch (error) {
        send(failure(request.id, error));
      }
    })();
    return;
  }
  // Taken before the first await, so requests naming one model in a row share its one load.
  const entry = request.model ? acquire(request.model) : undefined;
  void (async () => {
    try {
      if (request.model && !entry) {
        send({
          id: request.id,
          ok: false,
          message: 'The model is not loaded',
          code: MODEL_NOT_LOADED,
        });
        return;
      }
      const detector = entry ? await entry.detector : undefined;
      const result = await countPhotoBytes(Buffer.from(request.bytes), request.hints, detector);
      send({ id: request.id, ok: true, result });
    } catch (error) {
      send(failure(request.id, error));
    } finally {
      if (entry) release(entry);
    }
  })();
});
