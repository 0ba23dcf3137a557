import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PointGrid } from './spatial.js';

/** What a scan of every point answers: by distance, then index. */
function scan(points: [number, number][], x: number, y: number, k: number, skip = -1): number[] {
  return points
    .map(([px, py], index) => ({ index, d2: (px - x) ** 2 + (py - y) ** 2 }))
    .filter((p) => p.index !== skip)
    .sort((a, b) => a.d2 - b.d2 || a.index - b.index)
    .slice(0, k)
    .map((p) => p.index);
}

const coordinate = fc.integer({ min: -50, max: 400 });
const point = fc.tuple(coordinate, coordinate);

describe('PointGrid', () => {
  it('nearest answers exactly what a scan of every point does (ties by index), whatever the cell size', () => {
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 80 }),
        point,
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 0.5, max: 300, noNaN: true }),
        fc.integer({ min: -1, max: 80 }),
        (points, [x, y], k, cellSize, skip) => {
          const grid = new PointGrid(cellSize);
          for (const [px, py] of points) grid.add(px, py);
          expect(grid.nearest(x, y, k, skip)).toEqual(scan(points, x, y, k, skip));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('around visits every point within a cell size, each once', () => {
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 60 }),
        point,
        fc.integer({ min: 1, max: 120 }),
        (points, [x, y], cell) => {
          const grid = new PointGrid(cell);
          for (const [px, py] of points) grid.add(px, py);
          const visited: number[] = [];
          grid.around(x, y, (i) => visited.push(i));
          expect(new Set(visited).size).toBe(visited.length);
          points.forEach(([px, py], i) => {
            if (Math.hypot(px - x, py - y) <= cell) expect(visited).toContain(i);
          });
        },
      ),
    );
  });

  it('refuses a cell that is not a positive size', () => {
    expect(() => new PointGrid(0)).toThrow();
    expect(() => new PointGrid(Number.NaN)).toThrow();
  });
});
