/**
 * The counting thread: decodes a photo and counts its plants off the server's event loop (opencv.js holds
 * the thread for a second or two per photo, and its WebAssembly memory for as long as the thread lives).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { countPhotoBytes } from './count.js';
import type { CountHints } from './types.js';

export interface CountRequest {
  id: number;
  bytes: Uint8Array;
  hints: CountHints;
}

/**
 * Counting is background work: on Linux a nice value belongs to a thread, and `setPriority(0, …)` sets the
 * calling thread's, so this thread yields to the server's (ingest, the API) when they want the same core.
 */
export const COUNTING_NICE = 10;
try {
  setPriority(0, COUNTING_NICE);
} catch {
  // Not permitted or not supported here: count at the server's priority.
}

parentPort!.on('message', (request: CountRequest) => {
  void (async () => {
    try {
      const result = await countPhotoBytes(Buffer.from(request.bytes), request.hints);
      parentPort!.postMessage({ id: request.id, ok: true, result });
    } catch (error) {
      const e = error as { message?: string; code?: string };
      parentPort!.postMessage({ id: request.id, ok: false, message: e.message ?? String(error), code: e.code });
    }
  })();
});
