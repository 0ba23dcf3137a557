/**
 * A set kept in memory: changed as things happen here, and reloaded from its source now and then,
 * since other instances change the source too (e.g. "farms that have alert rules").
 */
export class RefreshedSet<T> {
  #items = new Set<T>();
  #loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly everyMs: number,
    private readonly load: () => Promise<Iterable<T>>,
  ) {}

  has(item: T): boolean {
    return this.#items.has(item);
  }

  add(item: T): void {
    this.#items.add(item);
  }

  delete(item: T): void {
    this.#items.delete(item);
  }

  /** The set, reloaded first when it is older than `everyMs` at `now` (or the clock went back). */
  async current(now: number): Promise<ReadonlySet<T>> {
    if (now - this.#loadedAt > this.everyMs || this.#loadedAt > now) {
      this.#items = new Set(await this.load());
      this.#loadedAt = now;
    }
    return this.#items;
  }
}
