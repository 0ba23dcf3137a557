/**
 * What the server and its counting process (worker.ts) say to each other; no side effects, so both sides and the
 * tests may import it.
 */
import type { OnnxDetectorOptions } from './onnx.js';
import type { CountHints } from './types.js';

/** The model a photo is counted with: its key, settings, and its bytes unless the process holds it already. */
export interface ModelRequest {
  key: string;
  options: Omit<OnnxDetectorOptions, 'threads'>;
  bytes?: Uint8Array | undefined;
}

export interface CountRequest {
  id: number;
  bytes: Uint8Array;
  hints: CountHints;
  model?: ModelRequest;
}

/** Loads a model as counting would and frees it again: the upload's check, off the server's event loop. */
export interface CheckRequest {
  id: number;
  check: { options: Omit<OnnxDetectorOptions, 'threads'>; bytes: Uint8Array };
}

/** Reads a photo's header and EXIF and makes its display and thumbnail copies: an upload's image work. */
export interface InspectRequest {
  id: number;
  inspect: { bytes: Uint8Array; timeZone: string };
}

export type CountingRequest = CountRequest | CheckRequest | InspectRequest;

/** The answer to a request naming a model the process does not hold (never sent, or let go): send its bytes. */
export const MODEL_NOT_LOADED = 'MODEL_NOT_LOADED';

/** Models the process keeps loaded at once; the least recently used is let go beyond (a server counting for many farms). */
export const MAX_LOADED_MODELS = 4;
