/**
 * opencv.js (WASM) loaded once per process. Its module object has a `then` method, so a promise resolved
 * with it (or an await on it) loops forever: `then` is deleted before the object goes near a promise, and the
 * runtime is awaited through onRuntimeInitialized when `Mat` is not there yet.
 *
 * Its Emscripten wrapper also registers process-wide `uncaughtException` and `unhandledRejection` handlers
 * (the latter aborts the WASM runtime): it is loaded lazily and those handlers are removed again, so that
 * loading it does not change how the rest of the process treats its errors.
 */
import { createRequire } from 'node:module';

export type OpenCv = typeof import('@techstark/opencv-js');

type LoadingOpenCv = OpenCv & { then?: unknown; onRuntimeInitialized?: () => void };

let loading: Promise<OpenCv> | null = null;

/** The initialised opencv.js module (the same promise for every caller). */
export function loadOpenCv(): Promise<OpenCv> {
  loading ??= new Promise<OpenCv>((resolve) => {
    const cv = requireWithoutProcessHandlers();
    delete cv.then;
    if (typeof cv.Mat === 'function') {
      resolve(cv);
      return;
    }
    cv.onRuntimeInitialized = () => resolve(cv);
  });
  return loading;
}

function requireWithoutProcessHandlers(): LoadingOpenCv {
  const exceptions = new Set(process.listeners('uncaughtException'));
  const rejections = new Set(process.listeners('unhandledRejection'));
  // require, not import(): the namespace of a dynamic import would carry the `then` into the await.
  const cv = createRequire(import.meta.url)('@techstark/opencv-js') as LoadingOpenCv;
  for (const listener of process.listeners('uncaughtException')) {
    if (!exceptions.has(listener)) process.off('uncaughtException', listener);
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (!rejections.has(listener)) process.off('unhandledRejection', listener);
  }
  return cv;
}

/** Runs `work` and deletes every Mat it registered with `keep`, whatever happens. */
export function withMats<T>(work: (keep: <M extends { delete(): void }>(mat: M) => M) => T): T {
  const mats: { delete(): void }[] = [];
  try {
    return work((mat) => {
      mats.push(mat);
      return mat;
    });
  } finally {
    for (const mat of mats) mat.delete();
  }
}
