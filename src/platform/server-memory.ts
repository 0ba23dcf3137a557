import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from './logger.js';

/** V8's `gc()`. Called without arguments: a full collection (given an options object, Node 20's did less). */
type Gc = () => void;

/** V8's `gc()`, without `--expose-gc` on the command line: the flag set now, read in a new context. */
function exposedGc(): Gc | undefined {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (typeof existing === 'function') return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Gc) : undefined;
  } catch {
    return undefined;
  }
}

/** glibc's `malloc_trim(0)`: gives the C heap's and the threads' arenas' free pages back to the system. */
type Trim = () => number;

/**
 * glibc's `malloc_trim`, called through koffi (an FFI library with prebuilt binaries for each platform),
 * or undefined where the C library is not glibc (musl, macOS, Windows) or koffi cannot load. glibc keeps
 * what the server's threads freed (the ingest's, PostGIS's compilation, V8's compiler threads) in its
 * arenas; after the standard workload `malloc_trim(0)` took the C heap from 59 to 26 MB and the server from
 * 441 to 385 MB RSS (docs/memory.md).
 */
export function glibcTrim(): Trim | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  if (process.platform !== 'linux' || !report?.header?.glibcVersionRuntime) return undefined;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return () => trim(0);
  } catch {
    return undefined;
  }
}

export interface IdleCollectionOptions {
  /** How often the heap is looked at. */
  intervalMs?: number;
  /** A collection only when the used JS heap grew by at least this much since the last one. */
  growthBytes?: number;
  /** …and the event loop was busy less than this share of the last interval (the server is quiet). */
  maxBusy?: number;
}

/**
 * A full garbage collection when the server goes quiet after a burst of work (docs/memory.md). V8 leaves
 * the garbage of a burst (an ingest minute: ~150 MB of a 240 MB heap) in the heap until its memory reducer
 * happens to run, which it may not for minutes; one full collection once the burst is over gives those
 * pages back (after the standard workload: ~600 → ~450 MB RSS), and glibc's `malloc_trim` then gives back
 * the C memory freed meanwhile (~450 → ~390 MB). The heap is looked at every second by a
 * timer that does not keep the process alive; a collection (120–300 ms on the shared 2-core machine) runs
 * only when the loop was busy less than `maxBusy` of the last second, so a sustained load is left to V8's
 * own collector (none ran during bench:telemetry's full-rate phases). Answers a function that stops it.
 */
export function collectWhenIdle(log: Logger, options: IdleCollectionOptions = {}): () => void {
  const { intervalMs = 1_000, growthBytes = 24 * 1024 * 1024, maxBusy = 0.2 } = options;
  const gc = exposedGc();
  if (!gc) return () => {};
  // Loaded at the first collection, not at the start.
  let trim: Trim | undefined | null = null;
  const used = () => v8.getHeapStatistics().used_heap_size;
  // The start's own garbage counts too: the first quiet look after the start collects it.
  let floor = 0;
  let loop = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const busy = performance.eventLoopUtilization(loop).utilization;
    loop = performance.eventLoopUtilization();
    const before = used();
    // The floor follows the heap down (V8 collected by itself), so growth is measured from the lowest point.
    if (before < floor) floor = before;
    if (before - floor < growthBytes || busy > maxBusy) return;
    const started = performance.now();
    gc();
    floor = used();
    const collectedMs = performance.now() - started;
    if (trim === null) trim = glibcTrim();
    trim?.();
    log.debug(
      {
        beforeMb: Math.round(before / 1048576),
        afterMb: Math.round(floor / 1048576),
        ms: Math.round(collectedMs),
        trimMs: trim ? Math.round(performance.now() - started - collectedMs) : undefined,
        busy: Number(busy.toFixed(2)),
      },
      'collected the JS heap after a burst of work',
    );
    loop = performance.eventLoopUtilization();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
