/**
 * Runs the tasks of one key one after another, in the order they were added; tasks of different keys
 * run side by side. A failed task does not stop the ones after it.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Keys with tasks waiting or running. */
  get size(): number {
    return this.#tails.size;
  }
}
