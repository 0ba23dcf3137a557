/**
 * The counting thread: decodes a photo and counts its plants off the server's event loop (opencv.js holds
 * the thread for a second or two per photo, and its WebAssembly memory for as long as the thread lives).
 */
import { parentPort } from 'node:worker_threads';
import { countPlants, decodeForCounting } from './count.js';
import type { CountHints } from './types.js';

export interface CountRequest {
  id: number;
  bytes: Uint8Array;
  hints: CountHints;
}

parentPort!.on('message', (request: CountRequest) => {
  void (async () => {
    try {
      const image = await decodeForCounting(Buffer.from(request.bytes));
      const result = await countPlants(image, request.hints);
      parentPort!.postMessage({ id: request.id, ok: true, result });
    } catch (error) {
      const e = error as { message?: string; code?: string };
      parentPort!.postMessage({ id: request.id, ok: false, message: e.message ?? String(error), code: e.code });
    }
  })();
});
