/**
 * Points bucketed in a uniform grid, so the counting steps that compare each plant with its neighbours cost
 * about n rather than n² (a noisy photo can hold thousands of segments). Answers are exactly what a scan of
 * every point would give, ties broken by the lower index as a stable sort would.
 */
export class PointGrid {
  readonly #cells = new Map<number, number[]>();
  readonly #xs: number[] = [];
  readonly #ys: number[] = [];

  constructor(readonly cellSize: number) {
    if (!(cellSize > 0) || !Number.isFinite(cellSize)) throw new Error(`a grid cell must be > 0: ${cellSize}`);
  }

  get size(): number {
    return this.#xs.length;
  }

  /** Adds a point; its index is the count of points added before it. */
  add(x: number, y: number): number {
    const index = this.#xs.length;
    this.#xs.push(x);
    this.#ys.push(y);
    const key = this.#key(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize));
    const cell = this.#cells.get(key);
    if (cell) cell.push(index);
    else this.#cells.set(key, [index]);
    return index;
  }

  /**
   * Calls `visit` with every point in the 3 × 3 cells around (x, y): every point within `cellSize` of it,
   * and some farther ones.
   */
  around(x: number, y: number, visit: (index: number) => void): void {
    const cx = Math.floor(x / this.cellSize);
    const cy = Math.floor(y / this.cellSize);
    for (let gy = cy - 1; gy <= cy + 1; gy++)
      for (let gx = cx - 1; gx <= cx + 1; gx++) {
        const cell = this.#cells.get(this.#key(gx, gy));
        if (cell) for (const index of cell) visit(index);
      }
  }

  /**
   * The indices of the k points nearest (x, y), nearest first (equal distances: lower index first), skipping
   * `skip`. Rings of cells are searched outward until no unseen point can be nearer than the k-th found.
   */
  nearest(x: number, y: number, k: number, skip = -1): number[] {
    const total = this.#xs.length - (skip >= 0 && skip < this.#xs.length ? 1 : 0);
    const want = Math.min(k, total);
    if (want <= 0) return [];
    const cx = Math.floor(x / this.cellSize);
    const cy = Math.floor(y / this.cellSize);
    const found: { index: number; d2: number }[] = [];
    let seen = 0;
    const take = (gx: number, gy: number) => {
      const cell = this.#cells.get(this.#key(gx, gy));
      if (!cell) return;
      for (const index of cell) {
        if (index === skip) continue;
        seen++;
        found.push({ index, d2: (this.#xs[index]! - x) ** 2 + (this.#ys[index]! - y) ** 2 });
      }
    };
    for (let ring = 0; ; ring++) {
      // The cells at Chebyshev distance `ring`: the top and bottom rows, then the sides between them.
      if (ring === 0) take(cx, cy);
      else {
        for (let gx = cx - ring; gx <= cx + ring; gx++) {
          take(gx, cy - ring);
          take(gx, cy + ring);
        }
        for (let gy = cy - ring + 1; gy <= cy + ring - 1; gy++) {
          take(cx - ring, gy);
          take(cx + ring, gy);
        }
      }
      if (seen >= total) break;
      if (found.length >= want) {
        found.sort((a, b) => a.d2 - b.d2 || a.index - b.index);
        // Any point outside the rings searched is at least ring × cellSize away.
        const reach = ring * this.cellSize;
        if (found[want - 1]!.d2 < reach * reach) break;
      }
    }
    found.sort((a, b) => a.d2 - b.d2 || a.index - b.index);
    return found.slice(0, want).map((f) => f.index);
  }

  #key(gx: number, gy: number): number {
    // Cells of a photo's working copy stay far inside ±2^20.
    return (gx + 1_048_576) * 2_097_152 + (gy + 1_048_576);
  }
}
