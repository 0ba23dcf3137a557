/**
 * One run per key at a time: requests made while that key's run is going are merged into one more run
 * after it, and resolve when that run is over (so a caller that asks sees its own request done).
 * Evaluations triggered by every ingest batch use it: a burst of batches costs two evaluations, not one
 * per batch.
 */
export class PerKeyCoalescer<A> {
  readonly #running = new Map<string, Promise<void>>();
  readonly #waiting = new Map<
    string,
    { arg: A; done: Promise<void>; resolve: () => void; reject: (error: unknown) => void }
  >();

  constructor(
    private readonly run: (key: string, arg: A) => Promise<void>,
    /** Two waiting requests as one. */
    private readonly merge: (a: A, b: A) => A,
    private readonly onError: (error: unknown, key: string) => void,
  ) {}

  request(key: string, arg: A): Promise<void> {
    if (!this.#running.has(key)) return this.#start(key, arg);
    const waiting = this.#waiting.get(key);
    if (waiting) {
      waiting.arg = this.merge(waiting.arg, arg);
      return waiting.done;
    }
    let resolve: () => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be awaiting it (fire-and-forget callers): failures are reported, never unhandled.
    done.catch((error: unknown) => this.onError(error, key));
    this.#waiting.set(key, { arg, done, resolve, reject });
    return done;
  }

  #start(key: string, arg: A): Promise<void> {
    const run = this.run(key, arg).finally(() => {
      this.#running.delete(key);
      const next = this.#waiting.get(key);
      if (next) {
        this.#waiting.delete(key);
        this.#start(key, next.arg).then(next.resolve, next.reject);
      }
    });
    this.#running.set(key, run);
    return run;
  }
}
